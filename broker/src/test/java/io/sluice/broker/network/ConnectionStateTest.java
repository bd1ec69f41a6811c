package io.sluice.broker.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.replication.purgatory.DelayedOperation;
import io.sluice.replication.purgatory.DelayedOperationPurgatory;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What one connection may hold, on an EmbeddedChannel: muting while a request is in flight, responses in request
 * order, the idle timeout (driven by the channel's frozen clock) and the cancellation of delayed requests on close.
 */
@Timeout(30)
class ConnectionStateTest {

    private static final long IDLE_MS = 1_000;

    private final List<CompletableFuture<ApiResponse>> heartbeats = new ArrayList<>();
    private EmbeddedConnection connection;

    @AfterEach
    void tearDown() {
        if (connection != null) {
            connection.close();
        }
    }

    /** Heartbeat v1-v4 answered when the test completes the stored future (inline, as a long poll would park). */
    private ApiHandler<HeartbeatRequestData> deferredHeartbeat() {
        return new TestHandler<HeartbeatRequestData>(ApiKeys.HEARTBEAT, (short) 1, (short) 4, false, (ctx, req) -> {
            CompletableFuture<ApiResponse> future = new CompletableFuture<>();
            heartbeats.add(future);
            return future;
        });
    }

    private EmbeddedConnection connect(int maxInFlight, long idleMs, ApiHandler<?> handler) {
        connection = new EmbeddedConnection(1024 * 1024, true, List.of(handler), maxInFlight, idleMs);
        return connection;
    }

    private static ByteBuffer heartbeat(int correlationId) {
        return KafkaWire.frame(
                KafkaWire.header(ApiKeys.HEARTBEAT, (short) 4, correlationId),
                new HeartbeatRequestData().setGroupId("g").setMemberId("m").setGenerationId(1));
    }

    private static ByteBuffer apiVersions(int correlationId) {
        return KafkaWire.frame(
                KafkaWire.header(ApiKeys.API_VERSIONS, (short) 3, correlationId),
                new ApiVersionsRequest.Builder().build((short) 3));
    }

    private static ByteBuffer concat(List<ByteBuffer> frames) {
        int size = frames.stream().mapToInt(ByteBuffer::remaining).sum();
        ByteBuffer all = ByteBuffer.allocate(size);
        frames.forEach(f -> all.put(f.duplicate()));
        return all.flip();
    }

    private static void answer(CompletableFuture<ApiResponse> heartbeat) {
        heartbeat.complete(ApiResponse.of(new HeartbeatResponseData()));
    }

    private boolean reading() {
        return connection.channel.config().isAutoRead();
    }

    @Test
    void aConnectionIsMutedWhileItsRequestIsInFlightAndAnswersInRequestOrder() {
        connect(1, 0, deferredHeartbeat());
        connection.send(concat(List.of(heartbeat(1), heartbeat(2), heartbeat(3))));

        assertThat(heartbeats).as("one request handled; the rest wait unread").hasSize(1);
        assertThat(reading()).isFalse();
        assertThat(connection.inFlight.count()).isEqualTo(1);

        answer(heartbeats.get(0));
        assertThat(connection.responses()).extracting(KafkaWire::correlationId).containsExactly(1);
        assertThat(heartbeats).hasSize(2);
        assertThat(reading()).isFalse();

        answer(heartbeats.get(1));
        assertThat(connection.responses()).extracting(KafkaWire::correlationId).containsExactly(2);
        answer(heartbeats.get(2));
        assertThat(connection.responses()).extracting(KafkaWire::correlationId).containsExactly(3);

        assertThat(reading()).as("nothing in flight: unmuted").isTrue();
        assertThat(connection.inFlight.count()).isZero();
    }

    @Test
    void aThrottledResponseIsSentAtOnceAndTheNextRequestWaitsUnreadForTheThrottleTime() {
        connect(1, 0, deferredHeartbeat());
        connection.send(concat(List.of(heartbeat(1), heartbeat(2))));
        heartbeats.get(0).complete(ApiResponse.throttled(new HeartbeatResponseData().setThrottleTimeMs(500), 500));

        assertThat(connection.responses())
                .as("answered at once")
                .extracting(KafkaWire::correlationId)
                .containsExactly(1);
        assertThat(heartbeats).as("the second request waits unread").hasSize(1);
        assertThat(reading()).isFalse();

        connection.advance(Duration.ofMillis(499));
        assertThat(heartbeats).hasSize(1);
        assertThat(reading()).isFalse();

        connection.advance(Duration.ofMillis(1));
        assertThat(heartbeats).as("read once the throttle time has passed").hasSize(2);
        answer(heartbeats.get(1));
        assertThat(connection.responses()).extracting(KafkaWire::correlationId).containsExactly(2);
        assertThat(reading()).isTrue();
    }

    @Test
    void aDepthOfTwoLetsTwoRequestsInFlightAndNoMore() {
        connect(2, 0, deferredHeartbeat());
        connection.send(concat(List.of(heartbeat(1), heartbeat(2), heartbeat(3))));
        assertThat(heartbeats).hasSize(2);
        assertThat(reading()).isFalse();

        answer(heartbeats.get(1));
        assertThat(connection.responses()).as("the second waits for the first").isEmpty();
        assertThat(heartbeats).hasSize(2);

        answer(heartbeats.get(0));
        assertThat(connection.responses()).extracting(KafkaWire::correlationId).containsExactly(1, 2);
        assertThat(heartbeats).hasSize(3);
        assertThat(reading()).isTrue();
    }

    @Test
    void thousandsOfPipelinedRequestsAnsweredInlineGoOutInOrder() {
        connect(1, 0, deferredHeartbeat());
        List<ByteBuffer> frames = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            frames.add(apiVersions(i));
        }
        connection.send(concat(frames));

        List<Integer> ids =
                connection.responses().stream().map(KafkaWire::correlationId).toList();
        assertThat(ids).hasSize(5_000);
        assertThat(ids).isSorted();
        assertThat(reading()).isTrue();
        assertThat(connection.inFlight.count()).isZero();
    }

    @Test
    void closingTheConnectionCancelsItsDelayedRequestAndDropsItsUnreadOnes() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        DelayedOperationPurgatory<Parked> purgatory = new DelayedOperationPurgatory<>("Fetch", 1, registry);
        purgatory.start();
        AtomicInteger handled = new AtomicInteger();
        ApiHandler<HeartbeatRequestData> parking =
                new TestHandler<HeartbeatRequestData>(ApiKeys.HEARTBEAT, (short) 1, (short) 4, false, (ctx, req) -> {
                    handled.incrementAndGet();
                    CompletableFuture<ApiResponse> answer = new CompletableFuture<>();
                    Parked parked = new Parked(answer);
                    List<String> keys = List.of("t-0", "t-1");
                    purgatory.tryCompleteElseWatch(parked, keys);
                    ctx.cancellation().onCancel(() -> purgatory.cancel(parked, keys));
                    return answer;
                });
        try {
            connect(1, 0, parking);
            connection.send(concat(List.of(heartbeat(1), heartbeat(2), heartbeat(3))));
            assertThat(purgatory.watched()).isEqualTo(2);
            assertThat(purgatory.numDelayed()).isEqualTo(1);

            connection.channel.close();
            connection.channel.runPendingTasks();

            assertThat(purgatory.watched()).as("no watcher entry left").isZero();
            assertThat(purgatory.numDelayed()).as("no timeout left").isZero();
            assertThat(handled)
                    .as("unread requests of a closed connection are dropped")
                    .hasValue(1);
            assertThat(connection.inFlight.count()).isZero();
        } finally {
            purgatory.shutdown();
        }
    }

    @Test
    void anIdleConnectionIsClosedAfterTheIdleTimeout() {
        connect(1, IDLE_MS, deferredHeartbeat());
        connection.advance(Duration.ofMillis(IDLE_MS - 1));
        assertThat(connection.channel.isOpen()).isTrue();

        connection.advance(Duration.ofMillis(1));

        assertThat(connection.channel.isOpen()).isFalse();
        assertThat(connection
                        .meters
                        .get("sluice.network.limited.connections")
                        .tag("reason", "idle")
                        .counter()
                        .count())
                .isEqualTo(1.0);
    }

    @Test
    void aConnectionWaitingForItsResponseIsNotIdleAndTheTimeoutCountsFromTheResponse() {
        connect(1, IDLE_MS, deferredHeartbeat());
        connection.send(heartbeat(1));
        connection.advance(Duration.ofMillis(5 * IDLE_MS));
        assertThat(connection.channel.isOpen()).as("a long poll in flight").isTrue();

        answer(heartbeats.get(0));
        assertThat(connection.responses()).hasSize(1);
        connection.advance(Duration.ofMillis(IDLE_MS - 1));
        assertThat(connection.channel.isOpen()).isTrue();
        connection.advance(Duration.ofMillis(IDLE_MS));
        assertThat(connection.channel.isOpen()).isFalse();
    }

    @Test
    void completedRequestsKeepAConnectionOpen() {
        connect(1, IDLE_MS, deferredHeartbeat());
        for (int i = 0; i < 10; i++) {
            connection.advance(Duration.ofMillis(IDLE_MS / 2));
            connection.send(apiVersions(i));
            assertThat(connection.responses()).hasSize(1);
        }
        assertThat(connection.channel.isOpen()).isTrue();
    }

    @Test
    void aRequestTrickledByteByByteDoesNotKeepTheConnectionOpen() {
        connect(1, IDLE_MS, deferredHeartbeat());
        ByteBuffer frame = heartbeat(1);
        int sent = 0;
        while (connection.channel.isOpen() && sent < frame.remaining() - 1) {
            connection.send(frame.duplicate().position(sent).limit(sent + 1).slice());
            sent++;
            connection.advance(Duration.ofMillis(100));
        }
        assertThat(sent)
                .as("closed after about %d ms of bytes that never made a request", IDLE_MS)
                .isBetween(9, 11);
        assertThat(connection.channel.isOpen()).isFalse();
        assertThat(heartbeats).isEmpty();
    }

    /** A delayed operation that only completes when cancelled or at its (distant) deadline. */
    private static final class Parked extends DelayedOperation {
        private final CompletableFuture<ApiResponse> answer;

        Parked(CompletableFuture<ApiResponse> answer) {
            super(600_000);
            this.answer = answer;
        }

        @Override
        protected boolean tryComplete() {
            return false;
        }

        @Override
        protected void onExpiration() {}

        @Override
        protected void onComplete() {
            answer.complete(ApiResponse.of(new HeartbeatResponseData()));
        }
    }
}
