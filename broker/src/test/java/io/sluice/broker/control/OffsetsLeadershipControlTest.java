package io.sluice.broker.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.group.OffsetsPartitionListener;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.LeaderAndIsrRequestData.LeaderAndIsrPartitionState;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class OffsetsLeadershipControlTest {
    private static final int BROKER = 2;
    private static final String OFFSETS = "__consumer_offsets";

    private final List<String> calls = new ArrayList<>();
    private final Map<TopicPartition, Errors> results = new LinkedHashMap<>();
    private final ReplicaControl delegate = new ReplicaControl() {
        @Override
        public Map<TopicPartition, Errors> becomeLeaderOrFollower(
                int controllerId,
                int controllerEpoch,
                List<LeaderAndIsrPartitionState> states,
                Map<String, Uuid> topicIds) {
            calls.add("delegate:leaderAndIsr");
            return results;
        }

        @Override
        public Map<TopicPartition, Errors> stopReplicas(int controllerEpoch, List<StopReplicaPartition> partitions) {
            calls.add("delegate:stopReplica");
            return results;
        }
    };
    private final OffsetsPartitionListener listener = new OffsetsPartitionListener() {
        @Override
        public void onElection(int partition, int leaderEpoch) {
            calls.add("election " + partition + " epoch " + leaderEpoch);
        }

        @Override
        public void onResignation(int partition, OptionalInt leaderEpoch) {
            calls.add("resignation " + partition + " epoch " + leaderEpoch);
        }
    };
    private final OffsetsLeadershipControl control = new OffsetsLeadershipControl(BROKER, delegate, listener);

    private static LeaderAndIsrPartitionState state(String topic, int partition, int leader, int epoch) {
        return new LeaderAndIsrPartitionState()
                .setTopicName(topic)
                .setPartitionIndex(partition)
                .setLeader(leader)
                .setLeaderEpoch(epoch)
                .setIsr(List.of(1, 2))
                .setReplicas(List.of(1, 2));
    }

    @Test
    void leadersAreElectedAndFollowersResignInRequestOrderAfterTheChangeWasApplied() {
        List<LeaderAndIsrPartitionState> states = List.of(
                state(OFFSETS, 7, 1, 4),
                state("orders", 0, BROKER, 3),
                state(OFFSETS, 3, BROKER, 9),
                state(OFFSETS, 5, -1, 2),
                state(OFFSETS, 8, BROKER, 6),
                state(OFFSETS, 9, 1, 6));
        // the replica manager answers leaders first; the hook follows the request's order
        results.put(new TopicPartition(OFFSETS, 3), Errors.NONE);
        results.put(new TopicPartition(OFFSETS, 8), Errors.STALE_CONTROLLER_EPOCH);
        results.put(new TopicPartition("orders", 0), Errors.NONE);
        results.put(new TopicPartition(OFFSETS, 7), Errors.NONE);
        results.put(new TopicPartition(OFFSETS, 5), Errors.NONE);
        results.put(new TopicPartition(OFFSETS, 9), Errors.KAFKA_STORAGE_ERROR);

        Map<TopicPartition, Errors> answer = control.becomeLeaderOrFollower(1, 5, states, Map.of());

        assertThat(answer).isEqualTo(results);
        assertThat(calls)
                .containsExactly(
                        "delegate:leaderAndIsr",
                        "resignation 7 epoch OptionalInt[4]",
                        "election 3 epoch 9",
                        "resignation 5 epoch OptionalInt[2]");
    }

    @Test
    void stoppedOrDeletedPartitionsResignWithoutAnEpoch() {
        List<StopReplicaPartition> partitions = List.of(
                new StopReplicaPartition(new TopicPartition(OFFSETS, 4), 3, false),
                new StopReplicaPartition(new TopicPartition("orders", 1), 3, true),
                new StopReplicaPartition(new TopicPartition(OFFSETS, 1), -2, true),
                new StopReplicaPartition(new TopicPartition(OFFSETS, 2), 1, false));
        results.put(new TopicPartition(OFFSETS, 4), Errors.NONE);
        results.put(new TopicPartition("orders", 1), Errors.NONE);
        results.put(new TopicPartition(OFFSETS, 1), Errors.NONE);
        results.put(new TopicPartition(OFFSETS, 2), Errors.FENCED_LEADER_EPOCH);

        assertThat(control.stopReplicas(5, partitions)).isEqualTo(results);
        assertThat(calls)
                .containsExactly(
                        "delegate:stopReplica",
                        "resignation 4 epoch OptionalInt.empty",
                        "resignation 1 epoch OptionalInt.empty");
    }

    @Test
    void aFailingListenerDoesNotChangeTheAnswerOrStopLaterNotifications() {
        OffsetsLeadershipControl failing =
                new OffsetsLeadershipControl(BROKER, delegate, new OffsetsPartitionListener() {
                    @Override
                    public void onElection(int partition, int leaderEpoch) {
                        calls.add("election " + partition);
                        throw new IllegalStateException("boom");
                    }

                    @Override
                    public void onResignation(int partition, OptionalInt leaderEpoch) {
                        calls.add("resignation " + partition);
                    }
                });
        results.put(new TopicPartition(OFFSETS, 0), Errors.NONE);
        results.put(new TopicPartition(OFFSETS, 1), Errors.NONE);

        Map<TopicPartition, Errors> answer = failing.becomeLeaderOrFollower(
                1, 5, List.of(state(OFFSETS, 0, BROKER, 1), state(OFFSETS, 1, 1, 1)), Map.of());

        assertThat(answer).isEqualTo(results);
        assertThat(calls).containsExactly("delegate:leaderAndIsr", "election 0", "resignation 1");
    }
}
