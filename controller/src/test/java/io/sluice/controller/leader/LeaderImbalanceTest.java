package io.sluice.controller.leader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LeaderImbalanceTest {

    private final Map<TopicPartition, List<Integer>> assignments = new HashMap<>();
    private final Map<TopicPartition, LeaderAndIsr> states = new HashMap<>();

    private void partition(String topic, int p, List<Integer> replicas, int leader, List<Integer> isr) {
        TopicPartition tp = new TopicPartition(topic, p);
        assignments.put(tp, replicas);
        states.put(tp, new LeaderAndIsr(leader, 1, isr));
    }

    @Test
    void brokerAboveThresholdGetsItsEligiblePartitionsBack() {
        // Broker 1 is preferred for 4 partitions and leads only 1: ratio 3/4.
        partition("t", 0, List.of(1, 2), 1, List.of(1, 2));
        partition("t", 1, List.of(1, 2), 2, List.of(1, 2));
        partition("u", 0, List.of(1, 2), 2, List.of(2, 1));
        partition("t", 2, List.of(1, 2), 2, List.of(2)); // preferred out of ISR: not a candidate
        // Broker 2 is preferred for 2 partitions and leads both.
        partition("t", 3, List.of(2, 1), 2, List.of(2, 1));
        partition("t", 4, List.of(2, 1), 2, List.of(2, 1));

        LeaderImbalance.Report report = LeaderImbalance.compute(assignments, states, Set.of(1, 2), 10);

        assertThat(report.perBroker().get(1)).isEqualTo(new LeaderImbalance.BrokerImbalance(1, 4, 3));
        assertThat(report.perBroker().get(1).ratio()).isEqualTo(0.75);
        assertThat(report.perBroker().get(2)).isEqualTo(new LeaderImbalance.BrokerImbalance(2, 2, 0));
        assertThat(report.toRebalance()).containsExactly(new TopicPartition("t", 1), new TopicPartition("u", 0));
    }

    @Test
    void ratioAtOrBelowThresholdTriggersNothing() {
        for (int p = 0; p < 10; p++) {
            partition("t", p, List.of(1, 2), p == 0 ? 2 : 1, List.of(1, 2));
        }
        // Ratio exactly 10%: not above the threshold.
        assertThat(LeaderImbalance.compute(assignments, states, Set.of(1, 2), 10)
                        .toRebalance())
                .isEmpty();
        assertThat(LeaderImbalance.compute(assignments, states, Set.of(1, 2), 9).toRebalance())
                .containsExactly(new TopicPartition("t", 0));
    }

    @Test
    void deadPreferredReplicaAndLeaderlessPartitions() {
        partition("t", 0, List.of(1, 2), LeaderAndIsr.NO_LEADER, List.of(1));
        partition("t", 1, List.of(3, 2), 2, List.of(2, 3));
        assignments.put(new TopicPartition("t", 2), List.of(1, 2)); // no state yet: skipped

        LeaderImbalance.Report report = LeaderImbalance.compute(assignments, states, Set.of(1, 2), 10);

        assertThat(report.perBroker().get(1)).isEqualTo(new LeaderImbalance.BrokerImbalance(1, 1, 1));
        assertThat(report.perBroker().get(3)).isEqualTo(new LeaderImbalance.BrokerImbalance(3, 1, 1));
        // Broker 1 is live and in the ISR of the leaderless partition; broker 3 is dead.
        assertThat(report.toRebalance()).containsExactly(new TopicPartition("t", 0));
    }

    @Test
    void percentageOutOfRangeIsRejected() {
        assertThatThrownBy(() -> LeaderImbalance.compute(assignments, states, Set.of(), 101))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("leader.imbalance.per.broker.percentage");
    }
}
