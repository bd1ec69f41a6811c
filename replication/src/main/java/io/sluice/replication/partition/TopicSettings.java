package io.sluice.replication.partition;

import io.sluice.replication.log.LogConfig;
import java.util.Objects;

/**
 * The per-topic settings a replica needs.
 *
 * @param minInsyncReplicas {@code min.insync.replicas}
 * @param logConfig the topic's log settings (used when the log is created)
 */
public record TopicSettings(int minInsyncReplicas, LogConfig logConfig) {
    public TopicSettings {
        if (minInsyncReplicas < 1) {
            throw new IllegalArgumentException("min.insync.replicas must be at least 1, got " + minInsyncReplicas);
        }
        Objects.requireNonNull(logConfig, "logConfig");
    }
}
