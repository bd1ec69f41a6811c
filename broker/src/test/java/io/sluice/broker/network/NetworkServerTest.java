package io.sluice.broker.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.epoll.Epoll;
import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiHandlerRegistry;
import io.sluice.broker.api.ApiResponse;
import io.sluice.testsupport.RawKafkaConnection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.NodeApiVersions;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The server on real sockets (127.0.0.1, ephemeral ports) driven with kafka-clients serialization. */
@Timeout(60)
class NetworkServerTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final CountDownLatch gate = new CountDownLatch(1);
    private NetworkServer server;

    @AfterEach
    void tearDown() {
        gate.countDown();
        if (server != null) {
            server.close();
        }
    }

    /** Heartbeat v0-v4 on the handler pool; while {@code gated}, waits for the test to open the gate. */
    private ApiHandler<HeartbeatRequestData> heartbeat(boolean gated) {
        return new TestHandler<HeartbeatRequestData>(ApiKeys.HEARTBEAT, (short) 0, (short) 4, true, (ctx, req) -> {
            if (gated) {
                try {
                    gate.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return CompletableFuture.completedFuture(ApiResponse.of(new HeartbeatResponseData()));
        });
    }

    private int start(int ioThreads, int queued, int maxFrame, ApiHandler<?>... handlers) {
        return start(ConnectionLimits.defaults(), ioThreads, queued, maxFrame, handlers);
    }

    private int start(ConnectionLimits limits, int ioThreads, int queued, int maxFrame, ApiHandler<?>... handlers) {
        NetworkConfig config = new NetworkConfig(
                        List.of(Endpoint.parse("PLAINTEXT://127.0.0.1:0")),
                        List.of(Endpoint.parse("PLAINTEXT://broker1.example:0")),
                        2,
                        ioThreads,
                        queued,
                        maxFrame)
                .withLimits(limits);
        server = new NetworkServer(
                1, config, ApiHandlerRegistry.of(List.of(handlers)), meters, Clock.systemUTC(), Duration.ofSeconds(5));
        server.start();
        return server.boundPort("PLAINTEXT");
    }

    private static ByteBuffer heartbeatRequest(int correlationId) {
        return KafkaWire.frame(
                KafkaWire.header(ApiKeys.HEARTBEAT, (short) 4, correlationId),
                new HeartbeatRequestData().setGroupId("g").setMemberId("m").setGenerationId(1));
    }

    private static void assertApiVersionsWork(RawKafkaConnection client, int correlationId) {
        RequestHeader header = KafkaWire.header(ApiKeys.API_VERSIONS, (short) 3, correlationId);
        client.send(KafkaWire.frame(header, new ApiVersionsRequest.Builder().build((short) 3)));
        ApiVersionsResponse response = KafkaWire.parse(client.receive(), header);
        assertThat(response.data().errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(response.apiVersion(ApiKeys.HEARTBEAT.id).maxVersion()).isEqualTo((short) 4);
    }

    @Test
    void answersApiVersionsOverARealSocketAndAdvertisesTheBoundPort() throws IOException {
        int port = start(2, 16, 1 << 20, heartbeat(false));
        assertThat(port).isPositive();
        assertThat(server.advertisedEndpoints()).containsExactly(new Endpoint("PLAINTEXT", "broker1.example", port));
        assertThat(server.boundEndpoints()).containsExactly(new Endpoint("PLAINTEXT", "127.0.0.1", port));
        try (RawKafkaConnection client = new RawKafkaConnection(port)) {
            assertApiVersionsWork(client, 1);
            RequestHeader header = KafkaWire.header(ApiKeys.HEARTBEAT, (short) 4, 2);
            client.send(heartbeatRequest(2));
            HeartbeatResponse response = KafkaWire.parse(client.receive(), header);
            assertThat(response.error()).isEqualTo(Errors.NONE);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> server.connectionCount() == 0);
        assertThat(meters.get("sluice.network.request.latency")
                        .tag("api", "Heartbeat")
                        .timer()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void badInputClosesOnlyThatConnection() throws IOException {
        int port = start(2, 16, 1024, heartbeat(false));
        try (RawKafkaConnection healthy = new RawKafkaConnection(port);
                RawKafkaConnection oversized = new RawKafkaConnection(port);
                RawKafkaConnection unknownKey = new RawKafkaConnection(port);
                RawKafkaConnection garbage = new RawKafkaConnection(port)) {
            assertApiVersionsWork(healthy, 1);

            oversized.send(ByteBuffer.allocate(8).putInt(4096).putInt(0).flip());
            unknownKey.send(KafkaWire.withLength(ByteBuffer.allocate(10)
                    .putShort((short) 4242)
                    .putShort((short) 0)
                    .putInt(1)
                    .putShort((short) -1)
                    .flip()));
            garbage.send(KafkaWire.withLength(ByteBuffer.wrap(new byte[] {0, 12, 0, 4, 1, 2, 3})));

            assertThat(oversized.closedByServer()).isTrue();
            assertThat(unknownKey.closedByServer()).isTrue();
            assertThat(garbage.closedByServer()).isTrue();
            assertApiVersionsWork(healthy, 2);
        }
        assertThat(meters.get("sluice.network.rejected.connections").counters()).isNotEmpty();
    }

    @Test
    void aFullRequestQueueStopsReadingAndResumesWithoutLosingRequests() throws IOException {
        int port = start(1, 1, 1 << 20, heartbeat(true));
        try (RawKafkaConnection client = new RawKafkaConnection(port)) {
            List<ByteBuffer> batch = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                batch.add(heartbeatRequest(i));
            }
            batch.forEach(client::send);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> meters.get("sluice.network.backpressure.pauses")
                                    .counter()
                                    .count()
                            >= 1);

            gate.countDown();
            for (int i = 0; i < 5; i++) {
                assertThat(KafkaWire.correlationId(client.receive())).isEqualTo(i);
            }
            // Reading resumed: later requests are read and answered too.
            for (int i = 5; i < 10; i++) {
                client.send(heartbeatRequest(i));
            }
            for (int i = 5; i < 10; i++) {
                assertThat(KafkaWire.correlationId(client.receive())).isEqualTo(i);
            }
        }
        assertThat(server.inFlightRequests()).isZero();
    }

    @Test
    void withPipeliningOneConnectionsBlockingRequestsRunOneAtATimeInArrivalOrder() throws IOException {
        List<Integer> invocationOrder = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger maxRunning = new java.util.concurrent.atomic.AtomicInteger();
        ApiHandler<HeartbeatRequestData> ordered =
                new TestHandler<HeartbeatRequestData>(ApiKeys.HEARTBEAT, (short) 0, (short) 4, true, (ctx, req) -> {
                    maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                    invocationOrder.add(ctx.correlationId());
                    try {
                        if (ctx.correlationId() == 0) {
                            gate.await(30, TimeUnit.SECONDS);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        running.decrementAndGet();
                    }
                    return CompletableFuture.completedFuture(ApiResponse.of(new HeartbeatResponseData()));
                });
        int port = start(ConnectionLimits.defaults().withMaxInFlightPerConnection(10), 4, 64, 1 << 20, ordered);
        try (RawKafkaConnection client = new RawKafkaConnection(port)) {
            for (int i = 0; i < 10; i++) {
                client.send(heartbeatRequest(i));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> server.inFlightRequests() == 10);
            // Four pool threads are free, yet nothing overtakes the blocked first request of this connection.
            await().during(Duration.ofMillis(300))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> invocationOrder.size() == 1);
            gate.countDown();
            for (int i = 0; i < 10; i++) {
                assertThat(KafkaWire.correlationId(client.receive())).isEqualTo(i);
            }
        }
        assertThat(invocationOrder).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(maxRunning.get()).isEqualTo(1);
    }

    @Test
    void aClientThatClosesWhileMutedHasItsRequestCancelled() throws IOException {
        assumeTrue(Epoll.isAvailable(), "epoll reports the client's FIN even while a channel does not read");
        java.util.concurrent.atomic.AtomicInteger handled = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger cancelled = new java.util.concurrent.atomic.AtomicInteger();
        ApiHandler<HeartbeatRequestData> parking =
                new TestHandler<HeartbeatRequestData>(ApiKeys.HEARTBEAT, (short) 0, (short) 4, false, (ctx, req) -> {
                    handled.incrementAndGet();
                    ctx.cancellation().onCancel(cancelled::incrementAndGet);
                    return new CompletableFuture<>();
                });
        int port = start(1, 16, 1 << 20, parking);
        RawKafkaConnection client = new RawKafkaConnection(port);
        // About 50 KB of pipelined requests: more than the first read takes, little enough for the broker's receive
        // buffer, so the client's FIN arrives while the broker still has unread requests and reads nothing.
        List<ByteBuffer> pipelined = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            pipelined.add(heartbeatRequest(i));
        }
        int size = pipelined.stream().mapToInt(ByteBuffer::remaining).sum();
        ByteBuffer all = ByteBuffer.allocate(size);
        pipelined.forEach(all::put);
        client.send(all.flip());
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.get() == 1);

        client.close();

        await().atMost(Duration.ofSeconds(10)).until(() -> cancelled.get() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.connectionCount() == 0);
        assertThat(handled).as("the rest stayed unread").hasValue(1);
        assertThat(server.inFlightRequests()).isZero();
    }

    @Test
    void closeDrainsInFlightResponsesAndIsSafeTwice() throws Exception {
        int port = start(1, 16, 1 << 20, heartbeat(true));
        try (RawKafkaConnection client = new RawKafkaConnection(port)) {
            client.send(heartbeatRequest(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> server.inFlightRequests() == 1);
            Thread closer = new Thread(server::close, "closer");
            closer.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> server.state() == NetworkServer.State.CLOSING);
            gate.countDown();
            assertThat(KafkaWire.correlationId(client.receive())).isEqualTo(1);
            closer.join(20_000);
            assertThat(server.state()).isEqualTo(NetworkServer.State.CLOSED);
            assertThat(client.closedByServer()).isTrue();
        }
        server.close();
        assertThat(server.state()).isEqualTo(NetworkServer.State.CLOSED);
        assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aTakenPortFailsStartWithTheListenerNamed() {
        int port = start(1, 4, 1 << 20, heartbeat(false));
        NetworkServer second = new NetworkServer(
                2,
                NetworkConfig.of(List.of(Endpoint.parse("PLAINTEXT://127.0.0.1:" + port)), 1, 1, 4, 1 << 20),
                ApiHandlerRegistry.of(List.of()),
                new SimpleMeterRegistry(),
                Clock.systemUTC());
        assertThatThrownBy(second::start)
                .isInstanceOf(NetworkException.class)
                .hasMessageContaining("PLAINTEXT://127.0.0.1:" + port);
        assertThat(second.state()).isEqualTo(NetworkServer.State.CLOSED);
    }

    @Test
    void aStockClientNegotiatesVersionsFromTheAnswer() throws IOException {
        int port = start(1, 4, 1 << 20, heartbeat(false));
        try (RawKafkaConnection client = new RawKafkaConnection(port)) {
            // As NetworkClient does: ask at the client's latest version, downgrade on UNSUPPORTED_VERSION.
            short version = ApiKeys.API_VERSIONS.latestVersion();
            RequestHeader header = KafkaWire.header(ApiKeys.API_VERSIONS, version, 1);
            client.send(KafkaWire.frame(header, new ApiVersionsRequest.Builder().build(version)));
            ApiVersionsResponse response = KafkaWire.parse(client.receive(), header);
            if (response.data().errorCode() == Errors.UNSUPPORTED_VERSION.code()) {
                version = response.apiVersion(ApiKeys.API_VERSIONS.id).maxVersion();
                header = KafkaWire.header(ApiKeys.API_VERSIONS, version, 2);
                client.send(KafkaWire.frame(header, new ApiVersionsRequest.Builder().build(version)));
                response = KafkaWire.parse(client.receive(), header);
            }
            assertThat(response.data().errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(version).isEqualTo((short) 3);
            NodeApiVersions negotiated = new NodeApiVersions(response.data().apiKeys(), List.of(), false);
            assertThat(negotiated.latestUsableVersion(ApiKeys.HEARTBEAT)).isEqualTo((short) 4);
            assertThat(negotiated.latestUsableVersion(ApiKeys.API_VERSIONS)).isEqualTo((short) 3);
            assertThatThrownBy(() -> negotiated.latestUsableVersion(ApiKeys.PRODUCE))
                    .isInstanceOf(org.apache.kafka.common.errors.UnsupportedVersionException.class);
        }
    }

    @Test
    void fileBackedFetchGoesOutThroughTheRealTransport(@TempDir Path dir) throws IOException {
        MemoryRecords batch =
                MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("hello".getBytes(StandardCharsets.UTF_8)));
        Path file = dir.resolve("segment.log");
        ByteBuffer content = ByteBuffer.allocate(100 + batch.sizeInBytes());
        content.position(100);
        content.put(batch.buffer().duplicate());
        Files.write(file, content.array());
        try (FileChannel segment = FileChannel.open(file, StandardOpenOption.READ)) {
            FileRecordsSlice slice = new FileRecordsSlice(segment, 100, batch.sizeInBytes());
            TestHandler<FetchRequestData> fetch =
                    new TestHandler<>(ApiKeys.FETCH, (short) 4, (short) 12, true, (ctx, req) -> {
                        FetchResponseData response = new FetchResponseData();
                        FetchResponseData.FetchableTopicResponse topic =
                                new FetchResponseData.FetchableTopicResponse().setTopic("t");
                        topic.partitions()
                                .add(new FetchResponseData.PartitionData()
                                        .setPartitionIndex(0)
                                        .setHighWatermark(1)
                                        .setRecords(slice));
                        response.responses().add(topic);
                        return CompletableFuture.completedFuture(ApiResponse.of(response));
                    });
            int port = start(1, 4, 1 << 20, fetch);
            RequestHeader header = KafkaWire.header(ApiKeys.FETCH, (short) 12, 3);
            try (RawKafkaConnection client = new RawKafkaConnection(port)) {
                for (int i = 0; i < 3; i++) {
                    client.send(KafkaWire.frame(header, new FetchRequestData().setMaxWaitMs(0)));
                    FetchResponse response = KafkaWire.parse(client.receive(), header);
                    MemoryRecords records = (MemoryRecords) response.data()
                            .responses()
                            .get(0)
                            .partitions()
                            .get(0)
                            .records();
                    assertThat(records.buffer()).isEqualTo(batch.buffer());
                }
            }
            assertThat(segment.isOpen()).isTrue();
        }
    }
}
