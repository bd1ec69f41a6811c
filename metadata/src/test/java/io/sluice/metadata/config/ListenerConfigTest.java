package io.sluice.metadata.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.metadata.model.SecurityProtocol;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ListenerConfigTest {

    private static Map<String, String> secured() {
        Map<String, String> m = new HashMap<>();
        m.put("broker.id", "1");
        m.put("zookeeper.connect", "127.0.0.1:2181");
        m.put("listeners", "CLIENT://127.0.0.1:9093,REPLICATION://127.0.0.1:9094");
        m.put("listener.security.protocol.map", "CLIENT:SASL_SSL,REPLICATION:SSL");
        m.put("inter.broker.listener.name", "REPLICATION");
        m.put("ssl.keystore.location", "/etc/broker.p12");
        m.put("ssl.keystore.type", "PKCS12");
        m.put("sasl.enabled.mechanisms", "PLAIN");
        m.put("listener.name.client.sasl.enabled.mechanisms", "SCRAM-SHA-512,PLAIN");
        m.put("listener.name.client.plain.sasl.jaas.config", "Plain required user_a=\"b\";");
        m.put("listener.name.replication.ssl.client.auth", "required");
        m.put("sasl.jaas.config", "General required;");
        return m;
    }

    @Test
    void perListenerKeysOverrideBrokerWideOnes() {
        BrokerConfig config = BrokerConfig.fromMap(secured(), () -> "h");
        ListenerConfig client = config.listenerConfig("client");
        ListenerConfig replication = config.listenerConfig("REPLICATION");
        assertThat(client.securityProtocol()).isEqualTo(SecurityProtocol.SASL_SSL);
        assertThat(client.get(BrokerConfigKeys.SASL_ENABLED_MECHANISMS)).containsExactly("SCRAM-SHA-512", "PLAIN");
        assertThat(client.sourceName(BrokerConfigKeys.SASL_ENABLED_MECHANISMS))
                .isEqualTo("listener.name.client.sasl.enabled.mechanisms");
        assertThat(replication.get(BrokerConfigKeys.SASL_ENABLED_MECHANISMS)).containsExactly("PLAIN");
        assertThat(replication.get(BrokerConfigKeys.SSL_CLIENT_AUTH)).isEqualTo("required");
        assertThat(client.get(BrokerConfigKeys.SSL_CLIENT_AUTH)).isEqualTo("none");
        assertThat(client.get(BrokerConfigKeys.SSL_KEYSTORE_LOCATION)).isEqualTo("/etc/broker.p12");
        assertThat(client.saslJaasConfig("PLAIN").orElseThrow())
                .isEqualTo(Map.entry("listener.name.client.plain.sasl.jaas.config", "Plain required user_a=\"b\";"));
        assertThat(client.saslJaasConfig("SCRAM-SHA-512").orElseThrow().getKey())
                .isEqualTo("sasl.jaas.config");
        assertThat(config.withOverrides(Map.of()).listenerConfig("client")).isEqualTo(client);
    }

    @Test
    void sessionLifetimeResolvesByMechanismThenListenerThenBroker() {
        Map<String, String> raw = secured();
        raw.put("connections.max.reauth.ms", "3600000");
        raw.put("listener.name.client.connections.max.reauth.ms", "600000");
        raw.put("listener.name.client.scram-sha-512.connections.max.reauth.ms", "60000");
        BrokerConfig config = BrokerConfig.fromMap(raw, () -> "h");
        assertThat(config.listenerConfig("CLIENT").connectionsMaxReauthMs("SCRAM-SHA-512"))
                .isEqualTo(60_000L);
        assertThat(config.listenerConfig("CLIENT").connectionsMaxReauthMs("PLAIN"))
                .isEqualTo(600_000L);
        assertThat(config.listenerConfig("REPLICATION").connectionsMaxReauthMs("PLAIN"))
                .isEqualTo(3_600_000L);
        assertThat(BrokerConfig.fromMap(secured(), () -> "h")
                        .listenerConfig("CLIENT")
                        .connectionsMaxReauthMs("PLAIN"))
                .as("off by default")
                .isZero();
    }

    @Test
    void badPerListenerKeysFailNamingTheKey() {
        for (Map.Entry<String, String> bad : List.of(
                Map.entry("listener.name.client.plain.connections.max.reauth.ms", "-1"),
                Map.entry("listener.name.client.plain.connections.max.reauth.ms", "soon"),
                Map.entry("listener.name.client.log.retention.ms", "5"),
                Map.entry("listener.name.client.ssl.client.auth", "sometimes"),
                Map.entry("listener.name.-x.ssl.client.auth", "none"))) {
            Map<String, String> raw = secured();
            raw.put(bad.getKey(), bad.getValue());
            assertThatThrownBy(() -> BrokerConfig.fromMap(raw, () -> "h"))
                    .isInstanceOfSatisfying(
                            ConfigException.class, e -> assertThat(e.key()).isEqualTo(bad.getKey()));
        }
    }

    @Test
    void securityInterBrokerProtocolPicksTheListenerOfThatName() {
        Map<String, String> raw = secured();
        raw.remove("inter.broker.listener.name");
        raw.put("listeners", "SASL_SSL://127.0.0.1:9093,PLAINTEXT://127.0.0.1:9092");
        raw.put("listener.security.protocol.map", "SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT");
        raw.put("security.inter.broker.protocol", "SASL_SSL");
        assertThat(BrokerConfig.fromMap(raw, () -> "h").interBrokerListenerName())
                .isEqualTo("SASL_SSL");
        raw.put("inter.broker.listener.name", "PLAINTEXT");
        assertThatThrownBy(() -> BrokerConfig.fromMap(raw, () -> "h"))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.key()).isEqualTo("security.inter.broker.protocol"));
    }
}
