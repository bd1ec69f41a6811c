package io.sluice.controller.event;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.metadata.concurrent.ThreadStatus;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ControllerEventManagerTest {

    @Test
    void processesEventsInOrderOnOneThreadAndReportsTimings() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        List<Long> queueTimes = new CopyOnWriteArrayList<>();
        AtomicLong now = new AtomicLong();
        CountDownLatch done = new CountDownLatch(3);
        ControllerEventManager[] manager = new ControllerEventManager[1];
        manager[0] = new ControllerEventManager(
                7,
                e -> {
                    assertThat(manager[0].isEventThread()).isTrue();
                    seen.add(e.name());
                    done.countDown();
                },
                (e, queued, processing) -> queueTimes.add(queued),
                () -> now.addAndGet(5));
        try (ControllerEventManager m = manager[0]) {
            m.put(new ControllerEvent.Startup());
            m.put(new ControllerEvent.BrokerChange());
            m.put(new ControllerEvent.TopicChange());
            assertThat(m.isEventThread()).isFalse();
            m.start();
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(seen).containsExactly("Startup", "BrokerChange", "TopicChange");
        assertThat(queueTimes).hasSize(3).allMatch(t -> t > 0);
    }

    @Test
    void theEventThreadSurvivesAnErrorFromOneEventAndFromTheObserver() throws Exception {
        List<String> processed = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        AtomicInteger observed = new AtomicInteger();
        try (ControllerEventManager m = new ControllerEventManager(
                4,
                e -> {
                    if (e instanceof ControllerEvent.Callback c) {
                        c.action().run();
                    }
                    processed.add(e.name());
                    if (e instanceof ControllerEvent.TopicChange) {
                        done.countDown();
                    }
                },
                (e, queued, processing) -> {
                    if (observed.incrementAndGet() == 2) {
                        throw new IllegalStateException("observer failed");
                    }
                },
                System::nanoTime)) {
            m.start();
            m.put(new ControllerEvent.Callback("faulting", () -> {
                throw new InternalError("a fault occurred in a recent unsafe memory access operation");
            }));
            m.put(new ControllerEvent.Callback("overflowing", () -> {
                throw new StackOverflowError();
            }));
            m.put(new ControllerEvent.BrokerChange());
            m.put(new ControllerEvent.TopicChange());
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();

            assertThat(processed).containsExactly("BrokerChange", "TopicChange");
            assertThat(m.eventThreadStatuses()).containsExactly(new ThreadStatus("controller-event-thread-4", true));
            assertThat(m.schedulerStatuses()).containsExactly(new ThreadStatus("controller-scheduler-4", true));
        }
    }

    @Test
    void aPeriodicEventKeepsItsPeriodAfterItsSupplierThrows() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch threeElections = new CountDownLatch(3);
        try (ControllerEventManager m = new ControllerEventManager(
                5,
                e -> {
                    if (e instanceof ControllerEvent.AutoPreferredReplicaLeaderElection) {
                        threeElections.countDown();
                    }
                },
                (e, q, p) -> {},
                System::nanoTime)) {
            m.start();
            m.schedule(
                    () -> {
                        if (calls.incrementAndGet() == 1) {
                            throw new InternalError("first tick fails");
                        }
                        return new ControllerEvent.AutoPreferredReplicaLeaderElection();
                    },
                    0,
                    5);
            assertThat(threeElections.await(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(calls.get()).isGreaterThanOrEqualTo(4);
    }

    @Test
    void eventsLeftAtCloseAndPutAfterItFailWithNotController() throws Exception {
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ControllerEventManager m = new ControllerEventManager(
                1,
                e -> {
                    if (e instanceof ControllerEvent.Callback c) {
                        c.action().run();
                    }
                },
                (e, q, p) -> {},
                System::nanoTime);
        m.start();
        m.put(new ControllerEvent.Callback("block", () -> {
            blocked.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        assertThat(blocked.await(5, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<AlterPartitionResponseData> queued = new CompletableFuture<>();
        m.put(new ControllerEvent.AlterPartitionReceived(new AlterPartitionRequestData(), queued));
        assertThat(m.queueSize()).isGreaterThanOrEqualTo(1);
        Thread closer = new Thread(m::close);
        closer.start();
        // wait until close has begun (a new event is refused at once), then let the blocked event finish
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(5))
                .until(() -> {
                    CompletableFuture<AlterPartitionResponseData> probe = new CompletableFuture<>();
                    m.put(new ControllerEvent.AlterPartitionReceived(new AlterPartitionRequestData(), probe));
                    return probe.isDone();
                });
        release.countDown();
        closer.join(10_000);
        assertThat(queued.get(5, TimeUnit.SECONDS).errorCode()).isEqualTo(Errors.NOT_CONTROLLER.code());
        CompletableFuture<AlterPartitionResponseData> late = new CompletableFuture<>();
        m.put(new ControllerEvent.AlterPartitionReceived(new AlterPartitionRequestData(), late));
        assertThat(late.get(1, TimeUnit.SECONDS).errorCode()).isEqualTo(Errors.NOT_CONTROLLER.code());
        m.close();
    }
}
