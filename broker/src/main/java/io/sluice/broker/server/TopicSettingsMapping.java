package io.sluice.broker.server;

import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.config.TopicConfig;
import io.sluice.replication.log.LogConfig;
import io.sluice.replication.log.cleaner.CleanerConfig;
import io.sluice.replication.partition.TopicSettings;
import java.util.Map;

/**
 * Maps a topic's effective configuration ({@link TopicConfig}: its overrides over the broker defaults) onto what the
 * replication layer needs: the storage settings of its logs ({@link LogConfig}) and {@code min.insync.replicas}.
 *
 * <pre>
 *   segment.bytes          → LogConfig.segmentBytes        retention.ms        → retentionMs (-1 = unlimited)
 *   segment.ms             → segmentMs                      retention.bytes     → retentionBytes (-1 = unlimited)
 *   index.interval.bytes   → indexIntervalBytes             segment.index.bytes → maxIndexSize
 *   max.message.bytes      → maxMessageBytes                flush.messages      → flushMessages
 *   flush.ms               → flushMs                        file.delete.delay.ms→ fileDeleteDelayMs
 *   cleanup.policy         → compact / delete               delete.retention.ms → deleteRetentionMs
 *   min.compaction.lag.ms  → minCompactionLagMs             max.compaction.lag.ms → maxCompactionLagMs
 *   min.cleanable.dirty.ratio → minCleanableDirtyRatio
 *   remote.storage.enable  → remoteStorageEnable            local.retention.ms/.bytes → localRetentionMs/Bytes
 *                                                           (-2 resolved to retention.ms/.bytes)
 *   min.insync.replicas    → TopicSettings.minInsyncReplicas
 * </pre>
 *
 * <p>{@code compact,delete} compacts and applies time/size retention; {@code compact} alone deletes nothing by age or
 * size.
 *
 * <p>Thread-safety: stateless.
 */
public final class TopicSettingsMapping {
    private TopicSettingsMapping() {}

    /** The log settings of a topic with this effective configuration. */
    public static LogConfig logConfig(TopicConfig topic) {
        return new LogConfig(
                topic.segmentBytes(),
                topic.segmentMs(),
                topic.retentionMs(),
                topic.retentionBytes(),
                topic.indexIntervalBytes(),
                topic.segmentIndexBytes(),
                topic.maxMessageBytes(),
                topic.flushMessages(),
                topic.flushMs(),
                topic.fileDeleteDelayMs(),
                topic.compact(),
                topic.delete(),
                topic.deleteRetentionMs(),
                topic.minCompactionLagMs(),
                topic.maxCompactionLagMs(),
                topic.minCleanableDirtyRatio(),
                topic.remoteStorageEnable(),
                topic.localRetentionMs(),
                topic.localRetentionBytes());
    }

    /** The log cleaner settings of a broker ({@code log.cleaner.*}). */
    public static CleanerConfig cleanerConfig(BrokerConfig broker) {
        return new CleanerConfig(
                broker.logCleanerEnable(),
                broker.logCleanerThreads(),
                broker.logCleanerDedupeBufferSize(),
                broker.logCleanerIoBufferSize(),
                broker.logCleanerBackoffMs(),
                broker.logCleanerIoBufferLoadFactor());
    }

    /** The replica settings of a topic with this effective configuration. */
    public static TopicSettings topicSettings(TopicConfig topic) {
        return new TopicSettings(topic.minInsyncReplicas(), logConfig(topic));
    }

    /** The log settings of a topic without overrides: the broker's {@code log.*} defaults. */
    public static LogConfig brokerDefaults(BrokerConfig broker) {
        return logConfig(TopicConfig.resolve(broker, Map.of()));
    }
}
