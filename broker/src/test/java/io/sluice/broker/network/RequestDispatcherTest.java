package io.sluice.broker.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class RequestDispatcherTest {

    private final List<String> events = new CopyOnWriteArrayList<>();
    private final RequestDispatcher.Backpressured source = new RequestDispatcher.Backpressured() {
        @Override
        public void pauseReading() {
            events.add("pause");
        }

        @Override
        public void resumeReading() {
            events.add("resume");
        }
    };
    private final RequestDispatcher dispatcher = new RequestDispatcher(
            1, 2, new DefaultThreadFactory("dispatcher-test", true), new NetworkMetrics(new SimpleMeterRegistry()));

    @AfterEach
    void tearDown() {
        dispatcher.close(Duration.ofSeconds(5));
    }

    @Test
    void aFullQueuePausesTheSourceAndDrainingResumesIt() throws InterruptedException {
        CountDownLatch gate = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        AtomicInteger done = new AtomicInteger();
        Runnable blocked = () -> {
            running.countDown();
            awaitGate(gate);
            done.incrementAndGet();
        };
        dispatcher.submit(source, blocked);
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        dispatcher.submit(source, done::incrementAndGet);
        assertThat(events).isEmpty();
        dispatcher.submit(source, done::incrementAndGet);
        assertThat(events).containsExactly("pause");
        assertThat(dispatcher.queuedRequests()).isEqualTo(2);

        gate.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> done.get() == 3);
        assertThat(events).containsExactly("pause", "resume");
        assertThat(dispatcher.queuedRequests()).isZero();
    }

    @Test
    void submitAfterCloseIsRejected() {
        dispatcher.close(Duration.ofSeconds(5));
        assertThatThrownBy(() -> dispatcher.submit(source, () -> {})).isInstanceOf(RejectedExecutionException.class);
        assertThat(dispatcher.queuedRequests()).isZero();
    }

    private static void awaitGate(CountDownLatch gate) {
        try {
            gate.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
