package io.sluice.controller.channel;

import io.sluice.metadata.model.BrokerInfo;
import java.util.Collection;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.LeaderAndIsrRequestData;
import org.apache.kafka.common.message.LeaderAndIsrResponseData;
import org.apache.kafka.common.message.StopReplicaRequestData;
import org.apache.kafka.common.message.StopReplicaResponseData;
import org.apache.kafka.common.message.UpdateMetadataRequestData;
import org.apache.kafka.common.message.UpdateMetadataResponseData;

/**
 * The controller's port to the brokers: how controller requests reach broker {@code N}. The broker module implements
 * it over its outbound network client; tests implement it in memory.
 *
 * <p>Payload versions: the controller fills every field of the latest version kafka-clients 3.9.2 supports, and the
 * implementation sends them at that version: LeaderAndIsr v7, UpdateMetadata v8, StopReplica v4 (topic-grouped
 * {@code topicStates}, topic ids in LeaderAndIsr and UpdateMetadata, the target broker's epoch in
 * {@code brokerEpoch}).
 *
 * <p>Concurrency: called from the controller event thread only; implementations must not block it (queue the request
 * and complete the returned stage from their own threads). The controller never blocks on a returned stage: it
 * handles completions by enqueuing events.
 */
public interface BrokerChannel {

    /** LeaderAndIsr request version the payloads are built for. */
    short LEADER_AND_ISR_VERSION = 7;

    /** UpdateMetadata request version the payloads are built for. */
    short UPDATE_METADATA_VERSION = 8;

    /** StopReplica request version the payloads are built for. */
    short STOP_REPLICA_VERSION = 4;

    /** The set of live brokers changed: open connections to new brokers, close those to departed ones. */
    void brokersChanged(Collection<BrokerInfo> live);

    CompletionStage<LeaderAndIsrResponseData> leaderAndIsr(int brokerId, LeaderAndIsrRequestData request);

    CompletionStage<UpdateMetadataResponseData> updateMetadata(int brokerId, UpdateMetadataRequestData request);

    CompletionStage<StopReplicaResponseData> stopReplica(int brokerId, StopReplicaRequestData request);
}
