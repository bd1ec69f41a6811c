package io.sluice.broker.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.broker.api.ApiHandlerRegistry;
import io.sluice.testsupport.RawKafkaConnection;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code max.connections.per.ip} (and overrides), {@code max.connections} with the protected inter-broker listener,
 * and {@code connections.max.idle.ms}, on real sockets to 127.0.0.1.
 */
@Timeout(60)
class ConnectionLimitsTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final List<AutoCloseable> clients = new ArrayList<>();
    private NetworkServer server;

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable client : clients) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private void start(ConnectionLimits limits, String listeners) {
        NetworkConfig config = NetworkConfig.of(Endpoint.parseList(listeners), 1, 2, 16, 1 << 20)
                .withLimits(limits);
        server = new NetworkServer(1, config, ApiHandlerRegistry.of(List.of()), meters, Clock.systemUTC());
        server.start();
    }

    private RawKafkaConnection connect(int port) {
        RawKafkaConnection client = new RawKafkaConnection(port);
        clients.add(client);
        return client;
    }

    private static void assertServed(RawKafkaConnection client, int correlationId) {
        RequestHeader header = KafkaWire.header(ApiKeys.API_VERSIONS, (short) 3, correlationId);
        client.send(KafkaWire.frame(header, new ApiVersionsRequest.Builder().build((short) 3)));
        ApiVersionsResponse response = KafkaWire.parse(client.receive(), header);
        assertThat(response.data().errorCode()).isEqualTo(Errors.NONE.code());
    }

    private double limited(String reason) {
        var counter = meters.find("sluice.network.limited.connections")
                .tag("reason", reason)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void connectionsOverThePerIpLimitAreClosedAtOnceAndAFreedSlotIsUsableAgain() throws IOException {
        start(ConnectionLimits.defaults().withMaxConnectionsPerIp(2, Map.of()), "PLAINTEXT://127.0.0.1:0");
        int port = server.boundPort("PLAINTEXT");
        RawKafkaConnection first = connect(port);
        RawKafkaConnection second = connect(port);
        assertServed(first, 1);
        assertServed(second, 2);

        for (int i = 0; i < 3; i++) {
            RawKafkaConnection excess = connect(port);
            assertThat(excess.closedByServer()).as("excess connection %d", i).isTrue();
        }
        assertThat(limited("max_connections_per_ip")).isEqualTo(3.0);
        assertServed(first, 3);

        first.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.quotaConnections() == 1);
        assertServed(connect(port), 4);
    }

    @Test
    void anOverrideReplacesThePerIpLimitForItsAddress() {
        start(ConnectionLimits.defaults().withMaxConnectionsPerIp(0, Map.of(LOOPBACK, 3)), "PLAINTEXT://127.0.0.1:0");
        int port = server.boundPort("PLAINTEXT");
        for (int i = 0; i < 3; i++) {
            assertServed(connect(port), i);
        }
        assertThat(connect(port).closedByServer()).isTrue();
    }

    @Test
    void atMaxConnectionsAcceptingWaitsForAFreeSlotExceptOnTheProtectedListener() throws IOException {
        start(
                ConnectionLimits.defaults().withMaxConnections(2, "INTERNAL"),
                "INTERNAL://127.0.0.1:0,EXTERNAL://127.0.0.1:0");
        int external = server.boundPort("EXTERNAL");
        int internal = server.boundPort("INTERNAL");
        RawKafkaConnection first = connect(external);
        RawKafkaConnection second = connect(external);
        assertServed(first, 1);
        assertServed(second, 2);

        // The third waits in the listen backlog: TCP connects, nothing answers.
        RawKafkaConnection waiting = connect(external);
        waiting.send(KafkaWire.frame(
                KafkaWire.header(ApiKeys.API_VERSIONS, (short) 3, 3),
                new ApiVersionsRequest.Builder().build((short) 3)));
        assertThat(waiting.nothingWithin(Duration.ofMillis(500))).isTrue();
        assertThat(server.connectionCount()).isEqualTo(2);

        // Brokers and the controller still get in on the inter-broker listener.
        assertServed(connect(internal), 4);

        first.close();
        second.close();
        ApiVersionsResponse late =
                KafkaWire.parse(waiting.receive(), KafkaWire.header(ApiKeys.API_VERSIONS, (short) 3, 3));
        assertThat(late.data().errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(meters.get("sluice.network.acceptor.pauses").counter().count())
                .isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void anIdleConnectionIsClosedWhileABusyOneStaysOpen() throws Exception {
        long idleMs = 1_000;
        start(ConnectionLimits.defaults().withIdleMs(idleMs), "PLAINTEXT://127.0.0.1:0");
        int port = server.boundPort("PLAINTEXT");
        RawKafkaConnection idle = connect(port);
        RawKafkaConnection busy = connect(port);
        Socket trickler = new Socket();
        clients.add(trickler);
        trickler.connect(new InetSocketAddress("127.0.0.1", port), 10_000);

        ByteBuffer frame = KafkaWire.frame(
                KafkaWire.header(ApiKeys.API_VERSIONS, (short) 3, 99),
                new ApiVersionsRequest.Builder().build((short) 3));
        long deadline = System.nanoTime() + Duration.ofMillis(4 * idleMs).toNanos();
        int correlationId = 0;
        int trickled = 0;
        while (System.nanoTime() < deadline) {
            assertServed(busy, correlationId++);
            if (trickled < frame.remaining() - 1) {
                // one byte of a request that never completes
                trickleByte(trickler, frame.get(trickled++));
            }
            Thread.sleep(idleMs / 5); // the clients' pace: the busy one is never idle for long
        }

        assertThat(idle.closedByServer()).isTrue();
        assertThat(closedByServer(trickler))
                .as("bytes of an unfinished request are not activity")
                .isTrue();
        assertServed(busy, correlationId);
        assertThat(limited("idle")).isEqualTo(2.0);
    }

    private static void trickleByte(Socket socket, byte b) {
        try {
            socket.getOutputStream().write(b);
            socket.getOutputStream().flush();
        } catch (IOException e) {
            // already closed by the server; the assertion after the loop says so
        }
    }

    private static boolean closedByServer(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        try {
            return socket.getInputStream().read() < 0;
        } catch (IOException e) {
            return true;
        }
    }
}
