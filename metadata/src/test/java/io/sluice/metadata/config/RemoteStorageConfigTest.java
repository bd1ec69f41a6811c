package io.sluice.metadata.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class RemoteStorageConfigTest {

    private static BrokerConfig broker(Map<String, String> extra) {
        Map<String, String> raw = new HashMap<>(Map.of("broker.id", "1", "zookeeper.connect", "127.0.0.1:2181"));
        raw.putAll(extra);
        return BrokerConfig.fromMap(raw, () -> "127.0.0.1");
    }

    private static final BrokerConfig TIERED = broker(Map.of("remote.log.storage.system.enable", "true"));

    @Test
    void remoteStorageNeedsTheBrokersSystemEnable() {
        assertThatThrownBy(() -> TopicConfig.resolve(broker(Map.of()), Map.of("remote.storage.enable", "true")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("Tiered Storage functionality is disabled in the broker");
        assertThat(TopicConfig.resolve(TIERED, Map.of("remote.storage.enable", "true"))
                        .remoteStorageEnable())
                .isTrue();
        // the key alone is valid: the broker that receives the request judges it against its own config
        TopicConfig.validate(Map.of("remote.storage.enable", "true"));
    }

    @Test
    void compactedTopicsCannotBeTiered() {
        assertThatThrownBy(() -> TopicConfig.resolve(
                        TIERED, Map.of("remote.storage.enable", "true", "cleanup.policy", "compact")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unsupported for the compacted topics");
    }

    @Test
    void localRetentionIsAtMostTheTotal() {
        Map<String, String> tiered = Map.of("remote.storage.enable", "true", "retention.bytes", "1000");
        Map<String, String> over = new HashMap<>(tiered);
        over.put("local.retention.bytes", "1001");
        assertThatThrownBy(() -> TopicConfig.resolve(TIERED, over))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("local.retention.bytes")
                .hasMessageContaining("Value must not be more than retention.bytes property value: 1000");
        Map<String, String> unlimitedLocal = new HashMap<>(tiered);
        unlimitedLocal.put("local.retention.bytes", "-1");
        assertThatThrownBy(() -> TopicConfig.resolve(TIERED, unlimitedLocal))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("Value must not be -1 as retention.bytes value is set as 1000.");
        Map<String, String> ms =
                Map.of("remote.storage.enable", "true", "retention.ms", "60000", "local.retention.ms", "60001");
        assertThatThrownBy(() -> TopicConfig.resolve(TIERED, ms))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("local.retention.ms");
        // without remote storage the local settings are not checked against the totals, as in Kafka
        TopicConfig.resolve(TIERED, Map.of("retention.bytes", "1000", "local.retention.bytes", "1001"));
    }

    @Test
    void minusTwoMeansTheTotalAndTheBrokerDefaultsApply() {
        TopicConfig topic = TopicConfig.resolve(
                TIERED, Map.of("remote.storage.enable", "true", "retention.bytes", "5000", "retention.ms", "-1"));
        assertThat(topic.localRetentionBytes()).isEqualTo(5000L);
        assertThat(topic.localRetentionMs()).isEqualTo(-1L);
        BrokerConfig withLocalDefault =
                broker(Map.of("remote.log.storage.system.enable", "true", "log.local.retention.bytes", "300"));
        assertThat(TopicConfig.resolve(withLocalDefault, Map.of("remote.storage.enable", "true"))
                        .localRetentionBytes())
                .isEqualTo(300L);
    }

    @Test
    void pluginPropertiesArePassedWithoutTheirPrefix() {
        BrokerConfig config = broker(Map.of("rsm.config.dir", "/remote", "rlmm.config.x", "1"));
        assertThat(config.remoteStorageManagerProps()).containsExactly(Map.entry("dir", "/remote"));
        assertThat(config.remoteLogMetadataManagerProps()).containsExactly(Map.entry("x", "1"));
        // rlmm.config. is no longer a plugin prefix once the prefix is changed: an unknown key
        assertThatThrownBy(
                        () -> broker(Map.of("remote.log.metadata.manager.impl.prefix", "meta.", "rlmm.config.x", "1")))
                .isInstanceOf(ConfigException.class);
        BrokerConfig meta = broker(Map.of("remote.log.metadata.manager.impl.prefix", "meta.", "meta.y", "2"));
        assertThat(meta.remoteLogMetadataManagerProps()).containsExactly(Map.entry("y", "2"));
        assertThat(meta.withOverrides(Map.of("log.retention.bytes", "5")).remoteLogMetadataManagerProps())
                .containsExactly(Map.entry("y", "2"));
    }
}
