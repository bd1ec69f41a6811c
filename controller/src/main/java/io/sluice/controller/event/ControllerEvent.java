package io.sluice.controller.event;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.message.ControlledShutdownResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.LeaderAndIsrResponseData;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.StopReplicaResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * Everything the controller reacts to. ZooKeeper watches, session listeners, timers, broker responses and API calls
 * only create one of these and enqueue it; the event thread handles them one at a time.
 */
public sealed interface ControllerEvent {

    /** A short name for logs and metrics. */
    default String name() {
        return getClass().getSimpleName();
    }

    /**
     * Fails the event's caller (if it has one) without handling it: the controller is not active or is shutting down.
     */
    default void fail(Errors error, String message) {}

    /** The controller candidate starts: try to win the election. */
    record Startup() implements ControllerEvent {}

    /** {@code /controller} changed or disappeared, or the session reconnected: resign if moved, else try to win. */
    record Reelect() implements ControllerEvent {}

    /** The ZooKeeper session was lost: stop acting as controller at once, then try again. */
    record Expire() implements ControllerEvent {}

    /** The children of {@code /brokers/ids} changed. */
    record BrokerChange() implements ControllerEvent {}

    /** The children of {@code /brokers/topics} changed. */
    record TopicChange() implements ControllerEvent {}

    /** The assignment of {@code topic} changed (partitions added by a tool). */
    record PartitionModifications(String topic) implements ControllerEvent {}

    /** The children of {@code /admin/delete_topics} changed. */
    record TopicDeletion() implements ControllerEvent {}

    /** Timer: check leader imbalance and move leaderships back to preferred replicas. */
    record AutoPreferredReplicaLeaderElection() implements ControllerEvent {}

    /** A broker answered a LeaderAndIsr request. */
    record LeaderAndIsrResponseReceived(int brokerId, LeaderAndIsrResponseData response) implements ControllerEvent {}

    /** A broker answered a StopReplica request (or failed to: {@code response} null). */
    record StopReplicaResponseReceived(
            int brokerId, boolean delete, List<String> topics, StopReplicaResponseData response)
            implements ControllerEvent {}

    /** A leader proposes ISR changes. */
    record AlterPartitionReceived(
            AlterPartitionRequestData request, CompletableFuture<AlterPartitionResponseData> future)
            implements ControllerEvent {
        @Override
        public void fail(Errors error, String message) {
            future.complete(new AlterPartitionResponseData().setErrorCode(error.code()));
        }
    }

    /** A broker asks to move its leaderships away before it stops. */
    record ControlledShutdown(int brokerId, long brokerEpoch, CompletableFuture<ControlledShutdownResponseData> future)
            implements ControllerEvent {
        @Override
        public void fail(Errors error, String message) {
            future.complete(new ControlledShutdownResponseData().setErrorCode(error.code()));
        }
    }

    /** The ElectLeaders API (preferred or unclean). */
    record ElectLeaders(ElectLeadersRequestData request, CompletableFuture<ElectLeadersResponseData> future)
            implements ControllerEvent {
        @Override
        public void fail(Errors error, String message) {
            future.complete(new ElectLeadersResponseData().setErrorCode(error.code()));
        }
    }

    /** The CreateTopics API. */
    record CreateTopics(
            CreateTopicsRequestData request, boolean validateOnly, CompletableFuture<CreateTopicsResponseData> future)
            implements ControllerEvent {
        @Override
        public void fail(Errors error, String message) {
            CreateTopicsResponseData response = new CreateTopicsResponseData();
            for (CreateTopicsRequestData.CreatableTopic t : request.topics()) {
                response.topics()
                        .add(new CreateTopicsResponseData.CreatableTopicResult()
                                .setName(t.name())
                                .setErrorCode(error.code())
                                .setErrorMessage(message));
            }
            future.complete(response);
        }
    }

    /** The CreatePartitions API. */
    record CreatePartitions(
            CreatePartitionsRequestData request,
            boolean validateOnly,
            CompletableFuture<CreatePartitionsResponseData> future)
            implements ControllerEvent {
        @Override
        public void fail(Errors error, String message) {
            CreatePartitionsResponseData response = new CreatePartitionsResponseData();
            for (CreatePartitionsRequestData.CreatePartitionsTopic t : request.topics()) {
                response.results()
                        .add(new CreatePartitionsResponseData.CreatePartitionsTopicResult()
                                .setName(t.name())
                                .setErrorCode(error.code())
                                .setErrorMessage(message));
            }
            future.complete(response);
        }
    }

    /**
     * The DeleteTopics API: queue the topics under {@code /admin/delete_topics}; {@code future} completes with the
     * per-topic error when each deletion finished, or when {@code deadlineMs} passes.
     */
    record DeleteTopics(List<String> topics, long deadlineMs, CompletableFuture<java.util.Map<String, Errors>> future)
            implements ControllerEvent {
        @Override
        public void fail(Errors error, String message) {
            java.util.Map<String, Errors> out = new java.util.TreeMap<>();
            topics.forEach(t -> out.put(t, error));
            future.complete(out);
        }
    }

    /** {@code /admin/reassign_partitions} was created or changed (a legacy reassignment request). */
    record LegacyReassignment() implements ControllerEvent {}

    /** The AlterPartitionReassignments API (start or cancel moves). */
    record AlterPartitionReassignments(
            AlterPartitionReassignmentsRequestData request,
            CompletableFuture<AlterPartitionReassignmentsResponseData> future)
            implements ControllerEvent {
        @Override
        public void fail(Errors error, String message) {
            future.complete(new AlterPartitionReassignmentsResponseData()
                    .setErrorCode(error.code())
                    .setErrorMessage(message));
        }
    }

    /** The ListPartitionReassignments API. */
    record ListPartitionReassignments(
            ListPartitionReassignmentsRequestData request,
            CompletableFuture<ListPartitionReassignmentsResponseData> future)
            implements ControllerEvent {
        @Override
        public void fail(Errors error, String message) {
            future.complete(new ListPartitionReassignmentsResponseData()
                    .setErrorCode(error.code())
                    .setErrorMessage(message));
        }
    }

    /** Timer: fail what is still waiting for deletions past their deadline. */
    record DeleteTopicsTimeout() implements ControllerEvent {}

    /**
     * Runs {@code action} on the event thread, in order with the other events (a consistent read of controller state,
     * or a barrier).
     */
    record Callback(String label, Runnable action) implements ControllerEvent {}
}
