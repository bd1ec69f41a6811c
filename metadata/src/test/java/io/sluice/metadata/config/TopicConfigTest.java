package io.sluice.metadata.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(10)
class TopicConfigTest {
    private static final BrokerConfig BROKER = BrokerConfig.fromMap(
            Map.of(
                    "broker.id", "1",
                    "zookeeper.connect", "127.0.0.1:2181",
                    "log.retention.minutes", "30",
                    "min.insync.replicas", "2",
                    "default.replication.factor", "3",
                    "log.segment.bytes", "1048576"),
            () -> "127.0.0.1");

    @Test
    void defaultsComeFromTheBroker() {
        TopicConfig t = TopicConfig.resolve(BROKER, Map.of());
        assertThat(t.retentionMs()).isEqualTo(30 * 60_000L);
        assertThat(t.minInsyncReplicas()).isEqualTo(2);
        assertThat(t.segmentBytes()).isEqualTo(1048576);
        assertThat(t.segmentMs()).isEqualTo(BROKER.logRollMs());
        assertThat(t.retentionBytes()).isEqualTo(-1);
        assertThat(t.cleanupPolicy()).containsExactly("delete");
        assertThat(t.delete()).isTrue();
        assertThat(t.compact()).isFalse();
        assertThat(t.maxMessageBytes()).isEqualTo(1048588);
        assertThat(t.segmentIndexBytes()).isEqualTo(10 * 1024 * 1024);
        assertThat(t.indexIntervalBytes()).isEqualTo(4096);
        assertThat(t.uncleanLeaderElectionEnable()).isFalse();
        assertThat(t.flushMessages()).isEqualTo(Long.MAX_VALUE);
        assertThat(t.flushMs()).isEqualTo(Long.MAX_VALUE);
        assertThat(t.compressionType()).isEqualTo("producer");
        assertThat(t.messageTimestampType()).isEqualTo("CreateTime");
        assertThat(t.deleteRetentionMs()).isEqualTo(86400000L);
        assertThat(t.minCompactionLagMs()).isZero();
        assertThat(t.maxCompactionLagMs()).isEqualTo(Long.MAX_VALUE);
        assertThat(t.minCleanableDirtyRatio()).isEqualTo(0.5);
        assertThat(t.fileDeleteDelayMs()).isEqualTo(60000L);
        assertThat(t.isOverridden("retention.ms")).isFalse();
    }

    @Test
    void overridesWin() {
        TopicConfig t = TopicConfig.resolve(
                BROKER,
                Map.of(
                        "retention.ms", "1000",
                        "cleanup.policy", "compact,delete",
                        "min.insync.replicas", "1",
                        "segment.ms", "60000",
                        "flush.messages", "1",
                        "message.timestamp.type", "LogAppendTime",
                        "unclean.leader.election.enable", "true"));
        assertThat(t.retentionMs()).isEqualTo(1000);
        assertThat(t.compact()).isTrue();
        assertThat(t.delete()).isTrue();
        assertThat(t.minInsyncReplicas()).isEqualTo(1);
        assertThat(t.segmentMs()).isEqualTo(60000);
        assertThat(t.flushMessages()).isEqualTo(1);
        assertThat(t.messageTimestampType()).isEqualTo("LogAppendTime");
        assertThat(t.uncleanLeaderElectionEnable()).isTrue();
        assertThat(t.isOverridden("retention.ms")).isTrue();
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "retention.hours|1|Unknown topic config name: retention.hours",
                "log.retention.ms|1|Unknown topic config name: log.retention.ms",
                "retention.ms|-5|Value must be at least -1",
                "segment.bytes|abc|Not a number of type INT",
                "cleanup.policy|purge|Each element must be one of",
                "min.insync.replicas|0|Value must be at least 1",
                "compression.type|brotli|String must be one of",
                "message.timestamp.type|Now|String must be one of",
                "min.cleanable.dirty.ratio|2|no more than 1",
                "unclean.leader.election.enable|1|true or false",
            })
    void invalidOverridesNameTheKey(String key, String value, String message) {
        assertThatThrownBy(() -> TopicConfig.validate(Map.of(key, value)))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.key()).isEqualTo(key))
                .hasMessageContaining(key)
                .hasMessageContaining(message);
    }

    @Test
    void compactionLagsMustBeOrdered() {
        assertThatThrownBy(
                        () -> TopicConfig.validate(Map.of("min.compaction.lag.ms", "10", "max.compaction.lag.ms", "5")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("min.compaction.lag.ms");
        assertThatThrownBy(() ->
                        TopicConfig.resolve(BROKER, Map.of("max.compaction.lag.ms", "5", "min.compaction.lag.ms", "6")))
                .isInstanceOf(ConfigException.class);
    }

    @Test
    void describeNamesTheSourceOfEachValue() {
        List<DescribedConfig> d =
                TopicConfig.describe(BROKER, Map.of("log.retention.bytes", "5000"), Map.of("segment.bytes", "2048"));
        assertThat(entry(d, "segment.bytes").source()).isEqualTo(ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(entry(d, "segment.bytes").value()).isEqualTo("2048");
        assertThat(entry(d, "retention.bytes").source()).isEqualTo(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
        assertThat(entry(d, "retention.bytes").value()).isEqualTo("5000");
        assertThat(entry(d, "retention.ms").source()).isEqualTo(ConfigSource.STATIC_BROKER_CONFIG);
        assertThat(entry(d, "retention.ms").value()).isEqualTo("1800000");
        assertThat(entry(d, "cleanup.policy").source()).isEqualTo(ConfigSource.DEFAULT_CONFIG);
        assertThat(entry(d, "cleanup.policy").value()).isEqualTo("delete");
        assertThat(d).allSatisfy(e -> {
            assertThat(e.readOnly()).isFalse();
            assertThat(e.sensitive()).isFalse();
        });
        assertThat(d).hasSize(TopicConfig.DEFINITION.keys().size());
    }

    @Test
    void everyTopicKeyOfKafkaIsKnownAndTakesItsKafkaDefault() throws Exception {
        List<String> kafkaKeys = new java.util.ArrayList<>();
        for (java.lang.reflect.Field f : org.apache.kafka.common.config.TopicConfig.class.getFields()) {
            if (f.getName().endsWith("_CONFIG") && f.getType() == String.class) {
                kafkaKeys.add((String) f.get(null));
            }
        }
        assertThat(kafkaKeys).hasSizeGreaterThan(30);
        List<String> sluiceKeys =
                TopicConfig.DEFINITION.keys().stream().map(ConfigKey::name).toList();
        assertThat(sluiceKeys).containsAll(kafkaKeys);
        for (String key : kafkaKeys) {
            List<DescribedConfig> described = TopicConfig.describe(BROKER, Map.of(), Map.of());
            String value = entry(described, key).value();
            if (value != null && !key.equals(TopicConfig.REMOTE_STORAGE_ENABLE)) {
                TopicConfig.validate(Map.of(key, value)); // the described default is itself a valid override
            }
        }
    }

    @Test
    void keysWithoutEffectAreValidatedAsKafkaValidatesThem() {
        TopicConfig.validate(Map.of(
                "segment.jitter.ms", "1000",
                "preallocate", "true",
                "leader.replication.throttled.replicas", "0:1,1:2",
                "follower.replication.throttled.replicas", "*",
                "message.timestamp.after.max.ms", "3600000",
                "compression.gzip.level", "9",
                "local.retention.ms", "-2"));
        assertThatThrownBy(() -> TopicConfig.validate(Map.of("leader.replication.throttled.replicas", "0-1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("partition:broker");
        assertThatThrownBy(() -> TopicConfig.validate(Map.of("compression.gzip.level", "0")))
                .isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> TopicConfig.validate(Map.of("segment.jitter.ms", "-1")))
                .isInstanceOf(ConfigException.class);
    }

    @Test
    void synonymsListBrokerKeysInPrecedenceOrder() {
        assertThat(TopicConfig.brokerSynonyms("retention.ms"))
                .containsExactly("log.retention.ms", "log.retention.minutes", "log.retention.hours");
        assertThat(TopicConfig.brokerSynonyms("flush.ms")).containsExactly("log.flush.interval.ms");
        assertThat(TopicConfig.brokerSynonyms("nope")).isEmpty();
    }

    private static DescribedConfig entry(List<DescribedConfig> list, String name) {
        return list.stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow();
    }
}
