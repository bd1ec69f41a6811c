package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.group.OffsetsTopic;
import io.sluice.replication.partition.AppendResult;
import io.sluice.replication.partition.ReplicaManager.TxnMarker;
import io.sluice.replication.purgatory.Cancellable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarkerTopic;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.ControlRecordType;

/**
 * Answers WriteTxnMarkers v0-v1 (transaction coordinator → partition leader): appends each producer's COMMIT or
 * ABORT marker to the partitions this broker leads, waits until they are replicated (as acks=all) and answers an error
 * per partition: NONE, NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS(_AFTER_APPEND), REQUEST_TIMED_OUT,
 * INVALID_PRODUCER_EPOCH or TRANSACTION_COORDINATOR_FENCED (see {@code ReplicaLog#appendTxnMarkerAsLeader}).
 *
 * <p>Concurrency: stateless; never blocks (appends are short and in-memory up to the page cache, like a produce).
 */
public final class WriteTxnMarkersHandler implements ApiHandler<WriteTxnMarkersRequestData> {
    /** How long a marker waits for replication. */
    static final long TIMEOUT_MS = 30_000L;

    /** Port onto {@code ReplicaManager#appendTxnMarkers}. */
    @FunctionalInterface
    public interface MarkerAppender {
        Cancellable appendTxnMarkers(
                long timeoutMs, List<TxnMarker> markers, Consumer<Map<TopicPartition, AppendResult>> callback);
    }

    /** Told when a marker was written to a {@code __consumer_offsets} partition (the group coordinator). */
    @FunctionalInterface
    public interface OffsetsMarkerListener {
        /** Completes once the transaction's offsets are stored (commit) or dropped (abort). */
        CompletableFuture<Void> completeTransaction(long producerId, boolean commit);
    }

    private final MarkerAppender appender;
    private final OffsetsMarkerListener offsetsListener;

    public WriteTxnMarkersHandler(MarkerAppender appender, OffsetsMarkerListener offsetsListener) {
        this.appender = Objects.requireNonNull(appender, "appender");
        this.offsetsListener = Objects.requireNonNull(offsetsListener, "offsetsListener");
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.WRITE_TXN_MARKERS;
    }

    @Override
    public short minVersion() {
        return 0;
    }

    @Override
    public short maxVersion() {
        return 1;
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, WriteTxnMarkersRequestData request) {
        List<CompletableFuture<WritableTxnMarkerResult>> results = new ArrayList<>();
        for (WritableTxnMarker marker : request.markers()) {
            results.add(append(appender, offsetsListener, marker));
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
                .thenApply(v -> {
                    List<WritableTxnMarkerResult> markers = new ArrayList<>();
                    results.forEach(r -> markers.add(r.join()));
                    return ApiResponse.of(new WriteTxnMarkersResponseData().setMarkers(markers));
                });
    }

    /**
     * Appends one producer's marker through {@code appender}; completes with its per-partition errors, after
     * {@code offsetsListener} completed the transaction's offsets when a {@code __consumer_offsets} partition got it.
     */
    public static CompletableFuture<WritableTxnMarkerResult> append(
            MarkerAppender appender, OffsetsMarkerListener offsetsListener, WritableTxnMarker marker) {
        ControlRecordType type = marker.transactionResult() ? ControlRecordType.COMMIT : ControlRecordType.ABORT;
        List<TxnMarker> markers = new ArrayList<>();
        for (WritableTxnMarkerTopic topic : marker.topics()) {
            for (int p : topic.partitionIndexes()) {
                markers.add(new TxnMarker(
                        new TopicPartition(topic.name(), p),
                        marker.producerId(),
                        marker.producerEpoch(),
                        marker.coordinatorEpoch(),
                        type));
            }
        }
        CompletableFuture<WritableTxnMarkerResult> done = new CompletableFuture<>();
        appender.appendTxnMarkers(TIMEOUT_MS, markers, appended -> {
            boolean offsetsWritten = appended.entrySet().stream()
                    .anyMatch(e -> e.getKey().topic().equals(OffsetsTopic.NAME)
                            && e.getValue().error() == Errors.NONE);
            List<WritableTxnMarkerTopicResult> topics = new ArrayList<>();
            for (WritableTxnMarkerTopic topic : marker.topics()) {
                List<WritableTxnMarkerPartitionResult> partitions = new ArrayList<>();
                for (int p : topic.partitionIndexes()) {
                    AppendResult r = appended.get(new TopicPartition(topic.name(), p));
                    Errors error = r == null ? Errors.UNKNOWN_SERVER_ERROR : r.error();
                    partitions.add(new WritableTxnMarkerPartitionResult()
                            .setPartitionIndex(p)
                            .setErrorCode(error.code()));
                }
                topics.add(
                        new WritableTxnMarkerTopicResult().setName(topic.name()).setPartitions(partitions));
            }
            WritableTxnMarkerResult result = new WritableTxnMarkerResult()
                    .setProducerId(marker.producerId())
                    .setTopics(topics);
            if (!offsetsWritten) {
                done.complete(result);
                return;
            }
            CompletableFuture<Void> offsets;
            try {
                offsets = offsetsListener.completeTransaction(marker.producerId(), marker.transactionResult());
            } catch (RuntimeException e) {
                offsets = CompletableFuture.failedFuture(e);
            }
            offsets.whenComplete((v, failure) -> done.complete(result));
        });
        return done;
    }
}
