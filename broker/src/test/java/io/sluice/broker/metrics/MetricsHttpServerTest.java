package io.sluice.broker.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class MetricsHttpServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicBoolean healthy = new AtomicBoolean(false);
    private PrometheusMeterRegistry registry;
    private MetricsHttpServer server;

    @BeforeEach
    void start() {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        server = new MetricsHttpServer(7, loopback(0), registry, healthy::get, () -> "not registered in ZooKeeper yet");
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
        registry.close();
    }

    @Test
    void metricsServesThePrometheusTextFormat() throws Exception {
        Counter.builder("sluice.test.requests")
                .tag("api", "Produce")
                .register(registry)
                .increment(3);

        HttpResponse<String> response = get("/metrics");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(ct -> assertThat(ct).startsWith("text/plain"));
        assertThat(response.body())
                .contains("# TYPE sluice_test_requests_total counter")
                .contains("sluice_test_requests_total{api=\"Produce\"} 3.0");
    }

    @Test
    void jvmMetricsAppearInTheScrape() throws Exception {
        try (JvmMetrics ignored = JvmMetrics.bindTo(registry)) {
            String body = get("/metrics").body();
            assertThat(body)
                    .contains("jvm_memory_used_bytes")
                    .contains("jvm_threads_live_threads")
                    .contains("jvm_classes_loaded_classes")
                    .contains("process_cpu_usage")
                    .contains("process_uptime_seconds");
        }
    }

    @Test
    void healthFollowsTheSuppliedCheck() throws Exception {
        HttpResponse<String> down = get("/health");
        assertThat(down.statusCode()).isEqualTo(503);
        JsonNode downDoc = JSON.readTree(down.body());
        assertThat(downDoc.get("status").asText()).isEqualTo("DOWN");
        assertThat(downDoc.get("broker").asInt()).isEqualTo(7);
        assertThat(downDoc.get("reason").asText()).isEqualTo("not registered in ZooKeeper yet");

        healthy.set(true);

        HttpResponse<String> up = get("/health");
        assertThat(up.statusCode()).isEqualTo(200);
        JsonNode upDoc = JSON.readTree(up.body());
        assertThat(upDoc.get("status").asText()).isEqualTo("UP");
        assertThat(upDoc.has("reason")).isFalse();
    }

    @Test
    void unknownPathsAndMethodsAreRejected() throws Exception {
        assertThat(get("/nope").statusCode()).isEqualTo(404);
        HttpResponse<String> post = http.send(
                HttpRequest.newBuilder(uri("/metrics"))
                        .POST(HttpRequest.BodyPublishers.ofString("x"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }

    @Test
    void addedPagesAreServedWithTheirContentTypeAndTakenPathsRefused() throws Exception {
        int[] calls = new int[1];
        server.addPage("/ui", "text/html; charset=utf-8", () -> "<p>page " + ++calls[0] + "</p>");

        HttpResponse<String> first = get("/ui");
        HttpResponse<String> second = get("/ui");

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(first.body()).isEqualTo("<p>page 1</p>");
        assertThat(second.body()).as("built per request").isEqualTo("<p>page 2</p>");
        assertThat(get("/ui/other").statusCode()).isEqualTo(404);
        assertThatThrownBy(() -> server.addPage("/ui", "text/plain", () -> ""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> server.addPage("/metrics", "text/plain", () -> ""))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void headAnswersWithoutABody() throws Exception {
        healthy.set(true);
        HttpResponse<String> head = http.send(
                HttpRequest.newBuilder(uri("/health"))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
    }

    @Test
    void healthAnswersPromptlyWhileAHundredSlowClientsHoldConnections() throws Exception {
        healthy.set(true);
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 100; i++) {
                Socket socket = new Socket();
                slow.add(socket);
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), 5_000);
                // an unfinished request line: the server must not wait for the rest of it
                socket.getOutputStream().write("GET /hea".getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> server.openConnections() == 100);

            for (int i = 0; i < 5; i++) {
                long start = System.nanoTime();
                HttpResponse<String> health = http.send(
                        HttpRequest.newBuilder(uri("/health"))
                                .timeout(Duration.ofSeconds(1))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(health.statusCode()).isEqualTo(200);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
            }
        } finally {
            for (Socket socket : slow) {
                socket.close();
            }
        }
    }

    @Test
    void aConnectionThatDoesNotCompleteARequestInTimeIsClosed() throws Exception {
        try (MetricsHttpServer strict =
                        new MetricsHttpServer(10, loopback(0), registry, () -> true, () -> "", Duration.ofMillis(300));
                Socket trickler = new Socket()) {
            strict.start();
            trickler.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), strict.port()), 5_000);
            trickler.setSoTimeout(10_000);
            trickler.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            trickler.getOutputStream().flush();

            assertThat(trickler.getInputStream().read())
                    .as("closed without an answer")
                    .isEqualTo(-1);
            await().atMost(Duration.ofSeconds(5)).until(() -> strict.openConnections() == 0);
        }
    }

    @Test
    void keepAliveConnectionsServeSeveralRequests() throws Exception {
        healthy.set(true);
        for (int i = 0; i < 3; i++) {
            assertThat(get("/health").statusCode()).isEqualTo(200);
            assertThat(get("/metrics").statusCode()).isEqualTo(200);
        }
        assertThat(server.openConnections())
                .as("the client reuses its connection")
                .isEqualTo(1);
    }

    @Test
    void closeStopsServingAndIsSafeTwice() throws Exception {
        int port = server.port();
        assertThat(port).isPositive();

        server.close();
        server.close();

        assertThatThrownBy(() -> http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(ConnectException.class);
        assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void startsOnlyOnce() {
        assertThatThrownBy(server::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("STARTED");
    }

    @Test
    void aPortInUseFailsStartWithTheAddress() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                MetricsHttpServer second =
                        new MetricsHttpServer(8, loopback(taken.getLocalPort()), registry, () -> true, () -> "")) {
            assertThatThrownBy(second::start)
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("broker=8")
                    .hasMessageContaining(String.valueOf(taken.getLocalPort()));
            assertThat(second.port()).isEqualTo(-1);
        }
    }

    @Test
    void closeBeforeStartIsANoOp() {
        MetricsHttpServer unused = new MetricsHttpServer(9, loopback(0), registry, () -> true, () -> "");
        unused.close();
        assertThat(unused.port()).isEqualTo(-1);
        assertThatThrownBy(unused::start).isInstanceOf(IllegalStateException.class);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(uri(path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private static InetSocketAddress loopback(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }
}
