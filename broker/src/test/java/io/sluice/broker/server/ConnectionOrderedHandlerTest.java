package io.sluice.broker.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ConnectionOrderedHandlerTest {
    private final ExecutorService pool = Executors.newFixedThreadPool(8);

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    /** Records, per connection, the correlation ids in the order the handler saw them; answers after a while. */
    private static class RecordingHandler implements ApiHandler<ProduceRequestData> {
        final Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
        final AtomicInteger concurrent = new AtomicInteger();
        final AtomicInteger maxConcurrentPerConnection = new AtomicInteger();
        final Map<String, AtomicInteger> active = new ConcurrentHashMap<>();

        @Override
        public ApiKeys apiKey() {
            return ApiKeys.PRODUCE;
        }

        @Override
        public short minVersion() {
            return 3;
        }

        @Override
        public short maxVersion() {
            return 11;
        }

        @Override
        public CompletionStage<ApiResponse> handle(RequestContext context, ProduceRequestData request) {
            AtomicInteger mine = active.computeIfAbsent(context.connectionId(), c -> new AtomicInteger());
            maxConcurrentPerConnection.accumulateAndGet(mine.incrementAndGet(), Math::max);
            seen.computeIfAbsent(context.connectionId(), c -> Collections.synchronizedList(new ArrayList<>()))
                    .add(context.correlationId());
            // some work, so that a concurrent handler would overtake
            long spin = System.nanoTime() + (context.correlationId() % 3) * 200_000L;
            while (System.nanoTime() < spin) {
                Thread.onSpinWait();
            }
            mine.decrementAndGet();
            return CompletableFuture.completedFuture(ApiResponse.of(new ProduceResponseData()));
        }
    }

    private static RequestContext context(String connection, int correlationId) {
        return new RequestContext(
                new RequestHeader(ApiKeys.PRODUCE, (short) 9, "client", correlationId),
                "PLAINTEXT",
                new InetSocketAddress("127.0.0.1", 40000),
                connection,
                0L);
    }

    @Test
    void requestsOfOneConnectionAreHandledOneAtATimeInArrivalOrder() {
        RecordingHandler delegate = new RecordingHandler();
        ConnectionOrderedHandler<ProduceRequestData> handler = new ConnectionOrderedHandler<>(delegate, pool, 2);
        List<CompletableFuture<ApiResponse>> answers = new ArrayList<>();
        List<String> connections = List.of("c1", "c2", "c3", "c4", "c5");
        for (int i = 0; i < 200; i++) {
            for (String c : connections) {
                answers.add(
                        handler.handle(context(c, i), new ProduceRequestData()).toCompletableFuture());
            }
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> answers.stream().allMatch(CompletableFuture::isDone));

        assertThat(answers).allMatch(f -> !f.isCompletedExceptionally());
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            expected.add(i);
        }
        for (String c : connections) {
            assertThat(delegate.seen.get(c)).as("order on %s", c).isEqualTo(expected);
        }
        assertThat(delegate.maxConcurrentPerConnection.get()).isEqualTo(1);
        assertThat(handler.mayBlock()).isFalse();
        assertThat(handler.apiKey()).isEqualTo(ApiKeys.PRODUCE);
        assertThat(handler.maxVersion()).isEqualTo((short) 11);
    }

    @Test
    void aThrowingHandlerFailsOnlyItsOwnAnswer() {
        ApiHandler<ProduceRequestData> throwing = new RecordingHandler() {
            @Override
            public CompletionStage<ApiResponse> handle(RequestContext context, ProduceRequestData request) {
                if (context.correlationId() == 1) {
                    throw new IllegalStateException("boom");
                }
                return super.handle(context, request);
            }
        };
        ConnectionOrderedHandler<ProduceRequestData> handler = new ConnectionOrderedHandler<>(throwing, pool, 1);

        CompletableFuture<ApiResponse> first =
                handler.handle(context("c", 1), new ProduceRequestData()).toCompletableFuture();
        CompletableFuture<ApiResponse> second =
                handler.handle(context("c", 2), new ProduceRequestData()).toCompletableFuture();

        await().atMost(Duration.ofSeconds(10)).until(() -> first.isDone() && second.isDone());
        assertThat(first).isCompletedExceptionally();
        assertThat(second).isCompletedWithValueMatching(r -> r != null);
    }
}
