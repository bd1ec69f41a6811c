package io.sluice.controller.leader;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * Detects preferred-leader imbalance for the automatic leader rebalance ({@code
 * auto.leader.rebalance.enable}). For each broker, its <em>imbalance ratio</em> is the number of
 * partitions it is the preferred replica of but does not lead, divided by the number of
 * partitions it is the preferred replica of. When the ratio exceeds {@code
 * leader.imbalance.per.broker.percentage} / 100, that broker's partitions whose preferred replica
 * is live and in the ISR are returned for a preferred-replica election. Pure and thread-safe.
 *
 * <p>The caller leaves out partitions it must not touch (topics being deleted, reassignments in
 * flight) and partitions without a state yet.
 */
public final class LeaderImbalance {

    private LeaderImbalance() {}

    /**
     * Imbalance of one preferred broker.
     *
     * @param broker the broker id
     * @param preferredPartitions partitions whose first assigned replica is this broker
     * @param notLeading of those, the partitions currently led by another broker or leaderless
     */
    public record BrokerImbalance(int broker, int preferredPartitions, int notLeading) {

        /** notLeading / preferredPartitions, 0 when the broker is preferred nowhere. */
        public double ratio() {
            return preferredPartitions == 0 ? 0.0 : (double) notLeading / preferredPartitions;
        }

        /** Whether the ratio is above {@code percentage} / 100 (exact integer comparison). */
        public boolean exceeds(int percentage) {
            return (long) notLeading * 100 > (long) percentage * preferredPartitions;
        }
    }

    /**
     * @param perBroker imbalance of every broker that is the preferred replica of some partition
     * @param toRebalance partitions to move back to their preferred replica, sorted by topic and
     *     partition
     */
    public record Report(Map<Integer, BrokerImbalance> perBroker, List<TopicPartition> toRebalance) {
        public Report {
            perBroker = Map.copyOf(perBroker);
            toRebalance = List.copyOf(toRebalance);
        }
    }

    /**
     * @param assignments partition to replicas, preferred replica first
     * @param states partition to its current leader and ISR; partitions missing here are skipped
     * @param liveBrokers brokers currently registered
     * @param imbalancePercentage {@code leader.imbalance.per.broker.percentage}, 0..100
     */
    public static Report compute(
            Map<TopicPartition, List<Integer>> assignments,
            Map<TopicPartition, LeaderAndIsr> states,
            Set<Integer> liveBrokers,
            int imbalancePercentage) {
        if (imbalancePercentage < 0 || imbalancePercentage > 100) {
            throw new IllegalArgumentException(
                    "leader.imbalance.per.broker.percentage must be in 0..100: " + imbalancePercentage);
        }
        Map<Integer, int[]> counts = new TreeMap<>(); // broker -> {preferred, notLeading}
        Map<Integer, List<TopicPartition>> candidates = new TreeMap<>();
        assignments.forEach((tp, replicas) -> {
            LeaderAndIsr state = states.get(tp);
            if (state == null || replicas.isEmpty()) {
                return;
            }
            int preferred = replicas.get(0);
            int[] c = counts.computeIfAbsent(preferred, b -> new int[2]);
            c[0]++;
            if (state.leader() != preferred) {
                c[1]++;
                if (liveBrokers.contains(preferred) && state.isr().contains(preferred)) {
                    candidates
                            .computeIfAbsent(preferred, b -> new ArrayList<>())
                            .add(tp);
                }
            }
        });
        Map<Integer, BrokerImbalance> perBroker = new TreeMap<>();
        List<TopicPartition> toRebalance = new ArrayList<>();
        counts.forEach((broker, c) -> {
            BrokerImbalance imbalance = new BrokerImbalance(broker, c[0], c[1]);
            perBroker.put(broker, imbalance);
            if (imbalance.exceeds(imbalancePercentage)) {
                toRebalance.addAll(candidates.getOrDefault(broker, List.of()));
            }
        });
        toRebalance.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        return new Report(perBroker, toRebalance);
    }
}
