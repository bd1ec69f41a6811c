package io.sluice.broker.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.config.ConfigDescriber.Entry;
import io.sluice.broker.config.ConfigDescriber.Synonym;
import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.config.ConfigSource;
import io.sluice.metadata.config.ConfigType;
import io.sluice.metadata.config.TopicConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ConfigDescriberTest {
    private static final BrokerConfig STATIC = ConfigTestFixture.brokerConfig();
    private static final Map<String, String> DEFAULTS = Map.of("log.cleanup.policy", "compact,delete");

    private static Entry find(List<Entry> entries, String name) {
        return entries.stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aTopicOverrideComesFirstThenEveryBrokerLevelOfItsSynonyms() {
        List<Entry> entries = ConfigDescriber.topic(STATIC, DEFAULTS, Map.of("retention.ms", "1000"));

        assertThat(entries).extracting(Entry::name).hasSameSizeAs(TopicConfig.DEFINITION.keys());
        Entry retention = find(entries, "retention.ms");
        assertThat(retention.value()).isEqualTo("1000");
        assertThat(retention.source()).isEqualTo(ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(retention.type()).isEqualTo(ConfigType.LONG);
        assertThat(retention.readOnly()).isFalse();
        assertThat(retention.synonyms())
                .containsExactly(
                        new Synonym("retention.ms", "1000", ConfigSource.DYNAMIC_TOPIC_CONFIG),
                        new Synonym("log.retention.hours", "168", ConfigSource.DEFAULT_CONFIG));
    }

    @Test
    void topicKeysWithoutOverrideNameTheBrokerLevelTheirValueComesFrom() {
        List<Entry> entries = ConfigDescriber.topic(STATIC, DEFAULTS, Map.of());

        Entry segment = find(entries, "segment.bytes");
        assertThat(segment.value()).isEqualTo("536870912");
        assertThat(segment.source()).isEqualTo(ConfigSource.STATIC_BROKER_CONFIG);
        assertThat(segment.synonyms())
                .containsExactly(
                        new Synonym("log.segment.bytes", "536870912", ConfigSource.STATIC_BROKER_CONFIG),
                        new Synonym("log.segment.bytes", "1073741824", ConfigSource.DEFAULT_CONFIG));

        Entry cleanup = find(entries, "cleanup.policy");
        assertThat(cleanup.value()).isEqualTo("compact,delete");
        assertThat(cleanup.source()).isEqualTo(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
        assertThat(cleanup.synonyms())
                .containsExactly(
                        new Synonym("log.cleanup.policy", "compact,delete", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG),
                        new Synonym("log.cleanup.policy", "delete", ConfigSource.DEFAULT_CONFIG));

        Entry retention = find(entries, "retention.ms");
        assertThat(retention.value()).isEqualTo(Long.toString(168L * 3600 * 1000));
        assertThat(retention.source()).isEqualTo(ConfigSource.DEFAULT_CONFIG);
    }

    @Test
    void theBrokerDescribesEveryKeyWithItsOwnSourceAndReadOnlyFlag() {
        List<Entry> entries = ConfigDescriber.broker(STATIC, Map.of("log.retention.ms", "5000"));

        Entry brokerId = find(entries, "broker.id");
        assertThat(brokerId.value()).isEqualTo("1");
        assertThat(brokerId.source()).isEqualTo(ConfigSource.STATIC_BROKER_CONFIG);
        assertThat(brokerId.readOnly()).isTrue();

        Entry retention = find(entries, "log.retention.ms");
        assertThat(retention.value()).isEqualTo("5000");
        assertThat(retention.source()).isEqualTo(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
        assertThat(retention.readOnly()).isFalse();
        assertThat(retention.synonyms())
                .containsExactly(
                        new Synonym("log.retention.ms", "5000", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG),
                        new Synonym("log.retention.hours", "168", ConfigSource.DEFAULT_CONFIG));

        Entry threads = find(entries, "num.io.threads");
        assertThat(threads.source()).isEqualTo(ConfigSource.DEFAULT_CONFIG);
        assertThat(threads.synonyms()).extracting(Synonym::name).containsExactly("num.io.threads");
    }

    @Test
    void theClusterDefaultEntityDescribesOnlyTheKeysSetThere() {
        List<Entry> entries =
                ConfigDescriber.clusterDefaults(Map.of("log.retention.ms", "5000", "message.max.bytes", "2000"));

        assertThat(entries).extracting(Entry::name).containsExactly("log.retention.ms", "message.max.bytes");
        assertThat(entries).allMatch(e -> e.source() == ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG && !e.readOnly());
        assertThat(find(entries, "message.max.bytes").type()).isEqualTo(ConfigType.INT);
        assertThat(find(entries, "message.max.bytes").synonyms())
                .containsExactly(new Synonym("message.max.bytes", "2000", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG));
    }
}
