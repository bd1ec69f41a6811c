package io.sluice.broker.group;

import io.sluice.metadata.config.BrokerConfig;
import java.util.concurrent.TimeUnit;

/**
 * The group coordinator's settings, Kafka's names in brackets.
 *
 * @param minSessionTimeoutMs lowest session timeout a member may ask for ({@code group.min.session.timeout.ms})
 * @param maxSessionTimeoutMs highest session timeout a member may ask for ({@code group.max.session.timeout.ms})
 * @param initialRebalanceDelayMs how long the first rebalance of an empty group waits for more members
 *     ({@code group.initial.rebalance.delay.ms})
 * @param maxSize the most members a group may have ({@code group.max.size})
 * @param offsetsRetentionMs how long committed offsets are kept ({@code offsets.retention.minutes})
 * @param offsetsRetentionCheckIntervalMs how often expired offsets are removed
 *     ({@code offsets.retention.check.interval.ms})
 * @param offsetsCommitTimeoutMs how long a write waits for the offsets partition's ISR
 *     ({@code offsets.commit.timeout.ms})
 */
public record GroupConfig(
        int minSessionTimeoutMs,
        int maxSessionTimeoutMs,
        int initialRebalanceDelayMs,
        int maxSize,
        long offsetsRetentionMs,
        long offsetsRetentionCheckIntervalMs,
        int offsetsCommitTimeoutMs) {

    /** Largest metadata string of a committed offset, as Kafka's {@code offset.metadata.max.bytes} default. */
    public static final int MAX_METADATA_SIZE = 4096;

    public GroupConfig {
        if (minSessionTimeoutMs > maxSessionTimeoutMs) {
            throw new IllegalArgumentException("group.min.session.timeout.ms must not exceed the max");
        }
        if (maxSize < 1 || offsetsRetentionMs < 1 || offsetsRetentionCheckIntervalMs < 1) {
            throw new IllegalArgumentException("group.max.size and offsets retention settings must be positive");
        }
    }

    /** The group settings of a broker configuration. */
    public static GroupConfig from(BrokerConfig config) {
        return new GroupConfig(
                config.groupMinSessionTimeoutMs(),
                config.groupMaxSessionTimeoutMs(),
                config.groupInitialRebalanceDelayMs(),
                config.groupMaxSize(),
                TimeUnit.MINUTES.toMillis(config.offsetsRetentionMinutes()),
                config.offsetsRetentionCheckIntervalMs(),
                config.offsetsCommitTimeoutMs());
    }
}
