package io.sluice.broker.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.config.ConfigException;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Bad security settings fail broker startup with a {@link ConfigException} naming the key. */
class ListenerSecurityConfigTest {

    private static final ScramServer.CredentialLookup NO_USERS =
            (user, mechanism) -> CompletableFuture.completedFuture(Optional.empty());

    private static BrokerConfig config(String protocol, Map<String, String> extra) {
        Map<String, String> raw = new HashMap<>();
        raw.put("broker.id", "1");
        raw.put("zookeeper.connect", "127.0.0.1:2181");
        raw.put("listeners", "CLIENT://127.0.0.1:0");
        raw.put("listener.security.protocol.map", "CLIENT:" + protocol);
        raw.putAll(extra);
        return BrokerConfig.fromMap(raw, () -> "127.0.0.1");
    }

    private static String failingKey(BrokerConfig config) {
        try {
            ListenerSecurity.forListeners(config, NO_USERS, new SecureRandom(), SaslMetrics.discarding());
        } catch (ConfigException e) {
            return e.key();
        }
        throw new AssertionError("expected a ConfigException");
    }

    @Test
    void unsupportedOrMissingSettingsNameTheirKey() {
        assertThat(failingKey(config("SASL_PLAINTEXT", Map.of()))).isEqualTo("sasl.enabled.mechanisms");
        assertThat(failingKey(
                        config("SASL_PLAINTEXT", Map.of("listener.name.client.sasl.enabled.mechanisms", "GSSAPI"))))
                .isEqualTo("listener.name.client.sasl.enabled.mechanisms");
        assertThat(failingKey(config("SASL_PLAINTEXT", Map.of("sasl.enabled.mechanisms", "PLAIN"))))
                .isEqualTo("listener.name.client.plain.sasl.jaas.config");
        assertThat(failingKey(config(
                        "SASL_PLAINTEXT",
                        Map.of(
                                "sasl.enabled.mechanisms",
                                "PLAIN",
                                "listener.name.client.plain.sasl.jaas.config",
                                "org.apache.kafka.common.security.plain.PlainLoginModule required user_a=\"b\""))))
                .isEqualTo("listener.name.client.plain.sasl.jaas.config");
        assertThat(failingKey(config("SSL", Map.of()))).isEqualTo("ssl.keystore.location");
        assertThat(failingKey(config("SSL", Map.of("ssl.keystore.location", "/no/such/store.p12"))))
                .isEqualTo("ssl.keystore.location");
    }

    @Test
    void aSaslPlaintextListenerWithPlainUsersStarts() {
        assertThat(ListenerSecurity.forListeners(
                                config(
                                        "SASL_PLAINTEXT",
                                        Map.of(
                                                "sasl.enabled.mechanisms",
                                                "PLAIN,SCRAM-SHA-512",
                                                "listener.name.client.plain.sasl.jaas.config",
                                                "org.apache.kafka.common.security.plain.PlainLoginModule required"
                                                        + " user_a=\"b\";")),
                                NO_USERS,
                                new SecureRandom(),
                                SaslMetrics.discarding())
                        .get("CLIENT")
                        .zeroCopy())
                .isTrue();
        assertThatThrownBy(() -> InterBrokerSecurity.of(
                        config(
                                "SASL_PLAINTEXT",
                                Map.of(
                                        "sasl.enabled.mechanisms", "PLAIN",
                                        "sasl.mechanism.inter.broker.protocol", "PLAIN",
                                        "listener.name.client.plain.sasl.jaas.config",
                                                "org.apache.kafka.common.security.plain.PlainLoginModule required"
                                                        + " user_a=\"b\";")),
                        new SecureRandom()))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.key()).isEqualTo("listener.name.client.plain.sasl.jaas.config"));
    }
}
