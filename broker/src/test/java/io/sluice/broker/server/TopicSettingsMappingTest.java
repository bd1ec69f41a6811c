package io.sluice.broker.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.config.TopicConfig;
import io.sluice.replication.log.LogConfig;
import io.sluice.replication.partition.TopicSettings;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class TopicSettingsMappingTest {
    private static final BrokerConfig BROKER = BrokerConfig.fromMap(Map.of(
            "broker.id", "1",
            "zookeeper.connect", "127.0.0.1:2181",
            "log.dirs", "/tmp/unused",
            "log.segment.bytes", "1048576",
            "log.retention.hours", "2",
            "min.insync.replicas", "2"));

    @Test
    void brokerDefaultsBecomeTheLogDefaults() {
        LogConfig defaults = TopicSettingsMapping.brokerDefaults(BROKER);

        assertThat(defaults.segmentBytes()).isEqualTo(1_048_576);
        assertThat(defaults.retentionMs()).isEqualTo(2L * 3_600_000);
        assertThat(defaults.retentionBytes()).isEqualTo(-1L);
        assertThat(defaults.maxIndexSize()).isEqualTo(LogConfig.DEFAULT_MAX_INDEX_SIZE);
        assertThat(defaults.indexIntervalBytes()).isEqualTo(LogConfig.DEFAULT_INDEX_INTERVAL_BYTES);
        assertThat(defaults.flushMessages()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void topicOverridesWinOverTheBrokerDefaults() {
        TopicConfig topic = TopicConfig.resolve(
                BROKER,
                Map.of(
                        "retention.ms", "60000",
                        "retention.bytes", "1000000",
                        "segment.bytes", "4096",
                        "segment.ms", "3600000",
                        "segment.index.bytes", "8192",
                        "index.interval.bytes", "128",
                        "max.message.bytes", "5000",
                        "flush.messages", "10",
                        "flush.ms", "1000",
                        "file.delete.delay.ms", "5"));

        LogConfig log = TopicSettingsMapping.logConfig(topic);

        assertThat(log)
                .isEqualTo(new LogConfig(4096, 3_600_000L, 60_000L, 1_000_000L, 128, 8192, 5000, 10L, 1000L, 5L));
    }

    @Test
    void minInsyncReplicasComesFromTheTopicOrTheBroker() {
        TopicSettings inherited = TopicSettingsMapping.topicSettings(TopicConfig.resolve(BROKER, Map.of()));
        TopicSettings overridden =
                TopicSettingsMapping.topicSettings(TopicConfig.resolve(BROKER, Map.of("min.insync.replicas", "3")));

        assertThat(inherited.minInsyncReplicas()).isEqualTo(2);
        assertThat(overridden.minInsyncReplicas()).isEqualTo(3);
        assertThat(overridden.logConfig()).isEqualTo(TopicSettingsMapping.brokerDefaults(BROKER));
    }
}
