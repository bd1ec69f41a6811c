package io.sluice.broker.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class NetworkConfigTest {

    @Test
    void parsesListenersInKafkaForm() {
        assertThat(Endpoint.parseList("PLAINTEXT://broker-1:9092, plaintext://:0 ,"))
                .containsExactly(new Endpoint("PLAINTEXT", "broker-1", 9092), new Endpoint("PLAINTEXT", "", 0));
        Endpoint v6 = Endpoint.parse("PLAINTEXT://[::1]:9093");
        assertThat(v6.host()).isEqualTo("::1");
        assertThat(v6).hasToString("PLAINTEXT://[::1]:9093");
        assertThatThrownBy(() -> Endpoint.parse("broker:9092")).hasMessageContaining("NAME://host:port");
        assertThatThrownBy(() -> Endpoint.parse("PLAINTEXT://h:x")).hasMessageContaining("Invalid port");
        assertThatThrownBy(() -> Endpoint.parse("PLAINTEXT://h:70000")).hasMessageContaining("out of range");
    }

    @Test
    void validatesWithTheKafkaKeyNamed() {
        List<Endpoint> plaintext = Endpoint.parseList("PLAINTEXT://127.0.0.1:0");
        assertThat(NetworkConfig.defaults(plaintext).queuedMaxRequests()).isEqualTo(500);
        assertThat(NetworkConfig.defaults(Endpoint.parseList("INTERNAL://h:19092,EXTERNAL://h:9092"))
                        .listeners())
                .hasSize(2);
        assertThatThrownBy(() -> NetworkConfig.defaults(Endpoint.parseList("A://h:1,A://h:2")))
                .hasMessageContaining("listener name used twice");
        assertThatThrownBy(() -> NetworkConfig.defaults(List.of())).hasMessageContaining("listeners");
        assertThatThrownBy(() -> NetworkConfig.of(plaintext, 0, 8, 500, 1000))
                .hasMessageContaining("num.network.threads");
        assertThatThrownBy(() -> NetworkConfig.of(plaintext, 3, 8, 0, 1000))
                .hasMessageContaining("queued.max.requests");
        assertThatThrownBy(() -> NetworkConfig.of(plaintext, 3, 8, 5, 1))
                .hasMessageContaining("socket.request.max.bytes");
        assertThatThrownBy(() -> new NetworkConfig(plaintext, Endpoint.parseList("EXTERNAL://h:1"), 3, 8, 5, 100))
                .hasMessageContaining("advertised.listeners");
    }
}
