package io.sluice.replication.partition;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * An in-memory controller end of AlterPartition: in auto mode it commits every proposal (partition epoch + 1); in
 * manual mode it keeps the requests pending until the test answers them.
 */
final class ControllerStub implements AlterPartitionSender {
    record Pending(AlterPartitionRequestData request, CompletableFuture<AlterPartitionResponseData> answer) {
        AlterPartitionRequestData.PartitionData partition() {
            return request.topics().get(0).partitions().get(0);
        }

        List<Integer> proposedIsr() {
            List<Integer> isr = new ArrayList<>();
            partition().newIsrWithEpochs().forEach(b -> isr.add(b.brokerId()));
            return isr;
        }

        /** Commits the proposal as the controller would. */
        void commit() {
            answer.complete(response(
                    Errors.NONE,
                    partition().leaderEpoch(),
                    proposedIsr(),
                    partition().partitionEpoch() + 1));
        }

        void fail(Errors error) {
            answer.complete(response(
                    error, partition().leaderEpoch(), proposedIsr(), partition().partitionEpoch()));
        }

        private AlterPartitionResponseData response(
                Errors error, int leaderEpoch, List<Integer> isr, int partitionEpoch) {
            AlterPartitionRequestData.TopicData topic = request.topics().get(0);
            return new AlterPartitionResponseData()
                    .setTopics(List.of(new AlterPartitionResponseData.TopicData()
                            .setTopicName(topic.topicName())
                            .setPartitions(List.of(new AlterPartitionResponseData.PartitionData()
                                    .setPartitionIndex(partition().partitionIndex())
                                    .setErrorCode(error.code())
                                    .setLeaderId(request.brokerId())
                                    .setLeaderEpoch(leaderEpoch)
                                    .setIsr(isr)
                                    .setPartitionEpoch(partitionEpoch)))));
        }
    }

    private final List<Pending> requests = new CopyOnWriteArrayList<>();
    private volatile boolean autoCommit;

    ControllerStub(boolean autoCommit) {
        this.autoCommit = autoCommit;
    }

    void autoCommit(boolean value) {
        this.autoCommit = value;
    }

    @Override
    public CompletionStage<AlterPartitionResponseData> send(AlterPartitionRequestData request) {
        Pending pending = new Pending(request.duplicate(), new CompletableFuture<>());
        requests.add(pending);
        if (autoCommit) {
            pending.commit();
        }
        return pending.answer();
    }

    List<Pending> requests() {
        return List.copyOf(requests);
    }

    Pending last() {
        return requests.get(requests.size() - 1);
    }

    int count() {
        return requests.size();
    }
}
