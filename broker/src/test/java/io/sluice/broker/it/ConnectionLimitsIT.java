package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The connection keys on a running broker: {@code max.connections.per.ip} closes excess connections,
 * {@code connections.max.idle.ms} closes idle and trickling connections but not active ones while stock clients
 * keep working, and {@code /health} answers promptly while 100 slow HTTP clients hold connections.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConnectionLimitsIT {
    private static final TopicPartition TP = new TopicPartition("limited", 0);

    private final List<AutoCloseable> opened = new ArrayList<>();
    private InJvmCluster cluster;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private int start(Map<String, String> overrides) throws Exception {
        cluster = InJvmCluster.start(1, overrides);
        cluster.createTopicAndAwaitFullIsr(TP.topic(), 1, 1, Map.of());
        return cluster.broker(1).boundPort();
    }

    private RawKafkaConnection connect(int port) {
        RawKafkaConnection connection = new RawKafkaConnection(port);
        opened.add(connection);
        return connection;
    }

    /** Whether the broker answers ApiVersions on the connection (false: it closed the connection). */
    private static boolean served(RawKafkaConnection connection) {
        try {
            return RawRequests.apiVersions(connection).data().errorCode() == Errors.NONE.code();
        } catch (UncheckedIOException e) {
            return false;
        }
    }

    private void produceWithAStockClient(int records) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer =
                Clients.producer(cluster.bootstrapServers(), Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
            for (int i = 0; i < records; i++) {
                producer.send(new ProducerRecord<>(TP.topic(), ("v-" + i).getBytes(StandardCharsets.UTF_8)))
                        .get(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void connectionsFromOneAddressOverItsLimitAreClosed() throws Exception {
        int limit = 30;
        int port = start(Map.of("max.connections.per.ip", Integer.toString(limit)));
        int served = 0;
        int refused = 0;
        for (int i = 0; i < limit + 20; i++) {
            if (served(connect(port))) {
                served++;
            } else {
                refused++;
            }
        }
        // The broker's own connections from 127.0.0.1 (its controller channel) count too.
        assertThat(served).isBetween(limit - 5, limit);
        assertThat(refused).isGreaterThanOrEqualTo(20);

        for (AutoCloseable c : opened) {
            c.close();
        }
        opened.clear();
        produceWithAStockClient(10);
    }

    @Test
    void idleAndTricklingConnectionsAreClosedWhileActiveOnesAndStockClientsKeepWorking() throws Exception {
        long idleMs = 2_000;
        int port = start(Map.of("connections.max.idle.ms", Long.toString(idleMs)));
        RawKafkaConnection idle = connect(port);
        RawKafkaConnection active = connect(port);
        Socket trickler = new Socket();
        opened.add(trickler);
        trickler.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        OutputStream slow = trickler.getOutputStream();
        byte[] request = RawKafkaConnection.toArray(RawKafkaConnection.frame(
                active.header(ApiKeys.API_VERSIONS, (short) 3),
                new ApiVersionsRequestData().setClientSoftwareName("slow").setClientSoftwareVersion("1.0")));

        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3 * idleMs);
        int trickled = 0;
        while (System.nanoTime() < end) {
            assertThat(served(active)).as("an active connection stays open").isTrue();
            if (trickled < request.length - 1) {
                try {
                    slow.write(request[trickled++]);
                    slow.flush();
                } catch (IOException e) {
                    trickled = request.length; // closed by the broker, as expected
                }
            }
            Thread.sleep(idleMs / 5); // the clients' pace: the active one is never idle for long
        }

        assertThat(idle.closedByServer()).as("the idle connection").isTrue();
        trickler.setSoTimeout(15_000);
        assertThat(trickler.getInputStream().read())
                .as("the trickling connection")
                .isEqualTo(-1);
        assertThat(served(active)).isTrue();
        // A stock client reconnects transparently when the broker closed its idle connection.
        try (KafkaProducer<byte[], byte[]> producer =
                Clients.producer(cluster.bootstrapServers(), Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
            producer.send(new ProducerRecord<>(TP.topic(), "before".getBytes(StandardCharsets.UTF_8)))
                    .get(30, TimeUnit.SECONDS);
            double closedBefore = idleClosed();
            await().pollDelay(Duration.ofMillis(idleMs + idleMs / 2))
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> idleClosed() > closedBefore);
            producer.send(new ProducerRecord<>(TP.topic(), "after".getBytes(StandardCharsets.UTF_8)))
                    .get(30, TimeUnit.SECONDS);
        }
    }

    private double idleClosed() {
        var counter = cluster.registry(1)
                .find("sluice.network.limited.connections")
                .tag("reason", "idle")
                .counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void healthAnswersPromptlyWhileAHundredSlowHttpClientsHoldConnections() throws Exception {
        int metricsPort;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            metricsPort = free.getLocalPort();
        }
        start(Map.of("metrics.port", Integer.toString(metricsPort)));
        for (int i = 0; i < 100; i++) {
            Socket socket = new Socket();
            opened.add(socket);
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), metricsPort), 5_000);
            socket.getOutputStream().write("GET /hea".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
        }

        // A health endpoint that waited on the slow clients would answer only after the server's 10 s request
        // timeout closed them; 5 s tells the two apart on a loaded machine too.
        Duration prompt = Duration.ofSeconds(5);
        HttpClient http = HttpClient.newBuilder().connectTimeout(prompt).build();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> cluster.broker(1).healthProblem().isEmpty());
        for (int i = 0; i < 5; i++) {
            long begin = System.nanoTime();
            HttpResponse<String> health = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/health"))
                            .timeout(prompt)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - begin)).isLessThan(prompt);
        }
    }
}
