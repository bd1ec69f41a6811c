package io.sluice.controller;

import io.sluice.metadata.config.BrokerConfig;
import java.time.Duration;

/**
 * The settings the controller uses, taken from the broker's configuration.
 *
 * @param brokerId this broker's id (the controller id when it wins)
 * @param interBrokerListenerName the listener whose endpoint leaders are advertised on in LeaderAndIsr
 * @param uncleanLeaderElectionEnable cluster default of {@code unclean.leader.election.enable} (topics may override)
 * @param autoLeaderRebalanceEnable {@code auto.leader.rebalance.enable}
 * @param leaderImbalanceCheckInterval {@code leader.imbalance.check.interval.seconds}
 * @param leaderImbalancePerBrokerPercentage {@code leader.imbalance.per.broker.percentage}
 * @param deleteTopicEnable {@code delete.topic.enable}
 * @param defaultNumPartitions {@code num.partitions}, for CreateTopics with -1 partitions
 * @param defaultReplicationFactor {@code default.replication.factor}, for CreateTopics with -1 replication factor
 * @param ignoreRacks {@code replica.placement.ignore.racks}: place without racks when only some brokers have one
 *     (otherwise such a placement fails, naming the brokers without a rack)
 */
public record ControllerConfig(
        int brokerId,
        String interBrokerListenerName,
        boolean uncleanLeaderElectionEnable,
        boolean autoLeaderRebalanceEnable,
        Duration leaderImbalanceCheckInterval,
        int leaderImbalancePerBrokerPercentage,
        boolean deleteTopicEnable,
        int defaultNumPartitions,
        int defaultReplicationFactor,
        boolean ignoreRacks) {

    public static ControllerConfig from(BrokerConfig config) {
        return new ControllerConfig(
                config.brokerId(),
                config.interBrokerListenerName(),
                config.uncleanLeaderElectionEnable(),
                config.autoLeaderRebalanceEnable(),
                Duration.ofSeconds(config.leaderImbalanceCheckIntervalSeconds()),
                config.leaderImbalancePerBrokerPercentage(),
                config.deleteTopicEnable(),
                config.numPartitions(),
                config.defaultReplicationFactor(),
                config.replicaPlacementIgnoreRacks());
    }

    /** Kafka's defaults for broker {@code brokerId}. */
    public static ControllerConfig defaults(int brokerId) {
        return new ControllerConfig(brokerId, "PLAINTEXT", false, true, Duration.ofSeconds(300), 10, true, 1, 1, false);
    }

    public ControllerConfig withAutoLeaderRebalance(boolean enable, Duration interval) {
        return new ControllerConfig(
                brokerId,
                interBrokerListenerName,
                uncleanLeaderElectionEnable,
                enable,
                interval,
                leaderImbalancePerBrokerPercentage,
                deleteTopicEnable,
                defaultNumPartitions,
                defaultReplicationFactor,
                ignoreRacks);
    }

    /** With {@code replica.placement.ignore.racks} set to {@code ignore}. */
    public ControllerConfig withIgnoreRacks(boolean ignore) {
        return new ControllerConfig(
                brokerId,
                interBrokerListenerName,
                uncleanLeaderElectionEnable,
                autoLeaderRebalanceEnable,
                leaderImbalanceCheckInterval,
                leaderImbalancePerBrokerPercentage,
                deleteTopicEnable,
                defaultNumPartitions,
                defaultReplicationFactor,
                ignore);
    }
}
