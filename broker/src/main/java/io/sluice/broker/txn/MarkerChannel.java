package io.sluice.broker.txn;

import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.protocol.Errors;

/**
 * Port: how the transaction coordinator reaches partition leaders. The broker implements it over its metadata cache,
 * its replica manager (markers for partitions it leads itself) and its broker clients (WriteTxnMarkers).
 *
 * <p>Thread-safety: implementations are thread-safe and never block.
 */
public interface MarkerChannel {

    /** The live leader of {@code tp} as this broker's metadata knows it. */
    OptionalInt leaderOf(TopicPartition tp);

    /**
     * Sends one producer's marker to broker {@code brokerId} (the leader of every partition in it). Completes with an
     * error per partition, or exceptionally when the request failed as a whole (the caller retries).
     */
    CompletableFuture<Map<TopicPartition, Errors>> send(int brokerId, WritableTxnMarker marker);
}
