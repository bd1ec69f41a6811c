package io.sluice.broker.server;

import io.sluice.broker.config.ConfigManager;
import io.sluice.broker.config.TopicConfigListener;
import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.config.BrokerConfigKeys;
import io.sluice.metadata.config.TopicConfig;
import io.sluice.replication.quota.ReplicationQuotaManager;
import io.sluice.replication.quota.ThrottledPartitions;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the dynamic configuration of replication throttles into the leader and follower quotas: the broker rates
 * ({@code leader/follower.replication.throttled.rate}, per broker over the cluster-wide default) and, per topic, the
 * partitions its {@code leader/follower.replication.throttled.replicas} list for this broker. Removing the keys (what
 * {@code kafka-reassign-partitions.sh --verify} does once a move is done) lifts the throttle.
 *
 * <p>Concurrency: called on the config manager's thread (and once from the starting thread by {@link #start}); the
 * quotas are thread-safe and every update is idempotent, so the initial pass and a concurrent change event agree on
 * the latest values.
 */
final class ReplicationThrottles implements TopicConfigListener {
    private static final Logger log = LoggerFactory.getLogger(ReplicationThrottles.class);

    private final int brokerId;
    private final ConfigManager configs;
    private final ReplicationQuotaManager leader;
    private final ReplicationQuotaManager follower;

    ReplicationThrottles(
            int brokerId, ConfigManager configs, ReplicationQuotaManager leader, ReplicationQuotaManager follower) {
        this.brokerId = brokerId;
        this.configs = Objects.requireNonNull(configs, "configs");
        this.leader = Objects.requireNonNull(leader, "leader");
        this.follower = Objects.requireNonNull(follower, "follower");
    }

    /** Starts following config changes, then applies what is in effect now. */
    void start() {
        configs.addListener(this);
        applyRates(configs.effectiveBrokerConfig());
        for (String topic : configs.topicsWithConfig()) {
            applyTopic(topic, configs.topicConfig(topic));
        }
    }

    @Override
    public void onTopicConfigChanged(String topic, TopicConfig effective) {
        applyTopic(topic, effective);
    }

    @Override
    public void onBrokerDefaultsChanged(BrokerConfig effectiveBroker) {
        applyRates(effectiveBroker);
    }

    private void applyRates(BrokerConfig effective) {
        leader.updateLimit(effective.get(BrokerConfigKeys.LEADER_REPLICATION_THROTTLED_RATE));
        follower.updateLimit(effective.get(BrokerConfigKeys.FOLLOWER_REPLICATION_THROTTLED_RATE));
    }

    private void applyTopic(String topic, TopicConfig effective) {
        leader.markThrottled(topic, partitions(topic, effective.leaderThrottledReplicas()));
        follower.markThrottled(topic, partitions(topic, effective.followerThrottledReplicas()));
    }

    private ThrottledPartitions partitions(String topic, List<String> entries) {
        try {
            return ThrottledPartitions.parse(entries, brokerId);
        } catch (IllegalArgumentException e) {
            // validated on the way in; a hand-written znode may still be malformed
            log.warn(
                    "[ReplicationThrottles broker={}] ignoring the throttled replicas of topic {}: {}",
                    brokerId,
                    topic,
                    e.getMessage());
            return ThrottledPartitions.NONE;
        }
    }
}
