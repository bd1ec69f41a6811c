package io.sluice.broker.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.broker.network.ConnectionLimits;
import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.config.ConfigException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class BrokerConfigMappingTest {

    private static BrokerConfig config(String... kv) {
        Map<String, String> m = new HashMap<>();
        m.put("broker.id", "1");
        m.put("zookeeper.connect", "127.0.0.1:2181");
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return BrokerConfig.fromMap(m, () -> "local.test");
    }

    private static InetAddress address(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** Resolves "client-a" to 10.0.0.7 and nothing else but literal addresses. */
    private static InetAddress fakeDns(String host) throws UnknownHostException {
        if (host.equals("client-a")) {
            return address("10.0.0.7");
        }
        if (Character.isDigit(host.charAt(0)) || host.contains(":")) {
            return InetAddress.getByName(host);
        }
        throw new UnknownHostException(host + ": no such host");
    }

    @Test
    void defaultsAreKafkasAndTheNetworkConfigCarriesThem() {
        ConnectionLimits limits = BrokerConfigMapping.networkConfig(config()).limits();
        assertThat(limits.idleMs()).isEqualTo(600_000L);
        assertThat(limits.maxConnections()).isEqualTo(Integer.MAX_VALUE);
        assertThat(limits.maxConnectionsPerIp()).isEqualTo(Integer.MAX_VALUE);
        assertThat(limits.maxConnectionsPerIpOverrides()).isEmpty();
        assertThat(limits.protectedListener())
                .as("one listener: nothing to protect")
                .isNull();
        assertThat(limits.maxInFlightPerConnection()).isEqualTo(1);
    }

    @Test
    void limitsOverridesAndTheProtectedInterBrokerListener() {
        BrokerConfig c = config(
                "listeners", "INTERNAL://127.0.0.1:19092,EXTERNAL://127.0.0.1:9092",
                "listener.security.protocol.map", "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT",
                "inter.broker.listener.name", "INTERNAL",
                "connections.max.idle.ms", "-1",
                "max.connections", "500",
                "max.connections.per.ip", "20",
                "max.connections.per.ip.overrides", "client-a:5,127.0.0.1:100",
                "max.pipelined.requests.per.connection", "5");

        ConnectionLimits limits = BrokerConfigMapping.connectionLimits(c, BrokerConfigMappingTest::fakeDns);

        assertThat(limits.idleTimeoutEnabled()).isFalse();
        assertThat(limits.maxConnections()).isEqualTo(500);
        assertThat(limits.protectedListener()).isEqualTo("INTERNAL");
        assertThat(limits.maxConnectionsFrom(address("10.0.0.7"))).isEqualTo(5);
        assertThat(limits.maxConnectionsFrom(address("127.0.0.1"))).isEqualTo(100);
        assertThat(limits.maxConnectionsFrom(address("10.0.0.8"))).isEqualTo(20);
        assertThat(limits.maxInFlightPerConnection()).isEqualTo(5);
    }

    @Test
    void anUnresolvableOverrideHostFailsStartupNamingTheKey() {
        BrokerConfig c = config("max.connections.per.ip.overrides", "nowhere:3");
        assertThatThrownBy(() -> BrokerConfigMapping.connectionLimits(c, BrokerConfigMappingTest::fakeDns))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.key()).isEqualTo("max.connections.per.ip.overrides"))
                .hasMessageContaining("nowhere");
    }
}
