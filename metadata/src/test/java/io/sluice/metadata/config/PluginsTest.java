package io.sluice.metadata.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.server.policy.AlterConfigPolicy;
import org.apache.kafka.server.policy.CreateTopicPolicy;
import org.junit.jupiter.api.Test;

class PluginsTest {

    /** A policy that remembers what it was configured with. */
    public static final class RecordingPolicy implements CreateTopicPolicy {
        Map<String, ?> configured;

        @Override
        public void configure(Map<String, ?> configs) {
            configured = Map.copyOf(configs);
        }

        @Override
        public void validate(RequestMetadata requestMetadata) {}

        @Override
        public void close() {}
    }

    /** A policy whose configure fails. */
    public static final class FailingPolicy implements AlterConfigPolicy {
        @Override
        public void configure(Map<String, ?> configs) {
            throw new IllegalStateException("needs policy.rules");
        }

        @Override
        public void validate(RequestMetadata requestMetadata) {}

        @Override
        public void close() {}
    }

    /** Implements the interface but cannot be constructed without arguments. */
    public static final class NoDefaultConstructor implements CreateTopicPolicy {
        public NoDefaultConstructor(String unused) {}

        @Override
        public void configure(Map<String, ?> configs) {}

        @Override
        public void validate(RequestMetadata requestMetadata) {}

        @Override
        public void close() {}
    }

    private static BrokerConfig config(String key, String value) {
        Map<String, String> raw = new HashMap<>(Map.of("broker.id", "7", "zookeeper.connect", "127.0.0.1:2181"));
        raw.put(key, value);
        return BrokerConfig.fromMap(raw, () -> "localhost");
    }

    @Test
    void aConfiguredPolicyIsInstantiatedAndConfiguredWithTheBrokersSettings() {
        BrokerConfig config = config("create.topic.policy.class.name", RecordingPolicy.class.getName());
        Optional<CreateTopicPolicy> policy = Plugins.newConfiguredInstance(
                config, BrokerConfigKeys.CREATE_TOPIC_POLICY_CLASS_NAME, CreateTopicPolicy.class);
        assertThat(policy).containsInstanceOf(RecordingPolicy.class);
        Map<String, Object> configured = Map.copyOf(((RecordingPolicy) policy.get()).configured);
        assertThat(configured)
                .containsEntry("broker.id", "7")
                .containsEntry("create.topic.policy.class.name", RecordingPolicy.class.getName());
    }

    @Test
    void unsetOrBlankMeansNoPolicy() {
        BrokerConfig unset = BrokerConfig.fromMap(
                Map.of("broker.id", "7", "zookeeper.connect", "127.0.0.1:2181"), () -> "localhost");
        assertThat(Plugins.newConfiguredInstance(
                        unset, BrokerConfigKeys.CREATE_TOPIC_POLICY_CLASS_NAME, CreateTopicPolicy.class))
                .isEmpty();
        BrokerConfig blank = config("alter.config.policy.class.name", " ");
        assertThat(Plugins.newConfiguredInstance(
                        blank, BrokerConfigKeys.ALTER_CONFIG_POLICY_CLASS_NAME, AlterConfigPolicy.class))
                .isEmpty();
    }

    @Test
    void badClassNamesFailTheConfigurationNamingTheKey() {
        assertThatThrownBy(() -> config("create.topic.policy.class.name", "com.example.NoSuchPolicy"))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.key()).isEqualTo("create.topic.policy.class.name");
                    assertThat(e.getMessage())
                            .contains("com.example.NoSuchPolicy")
                            .contains("cannot be found");
                });
        assertThatThrownBy(() -> config("alter.config.policy.class.name", RecordingPolicy.class.getName()))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.key()).isEqualTo("alter.config.policy.class.name");
                    assertThat(e.getMessage()).contains("does not implement").contains("AlterConfigPolicy");
                });
        assertThatThrownBy(() -> config("create.topic.policy.class.name", NoDefaultConstructor.class.getName()))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.getMessage()).contains("no public no-argument constructor"));
    }

    @Test
    void aFailingConfigureNamesTheKey() {
        BrokerConfig config = config("alter.config.policy.class.name", FailingPolicy.class.getName());
        assertThatThrownBy(() -> Plugins.newConfiguredInstance(
                        config, BrokerConfigKeys.ALTER_CONFIG_POLICY_CLASS_NAME, AlterConfigPolicy.class))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.key()).isEqualTo("alter.config.policy.class.name");
                    assertThat(e.getMessage()).contains("needs policy.rules");
                });
    }

    @Test
    void classKeysAreDescribedWithKafkasClassType() {
        assertThat(BrokerConfigKeys.CREATE_TOPIC_POLICY_CLASS_NAME.type()).isEqualTo(ConfigType.CLASS);
        assertThat(ConfigType.CLASS.wireId()).isEqualTo((byte) 8);
    }
}
