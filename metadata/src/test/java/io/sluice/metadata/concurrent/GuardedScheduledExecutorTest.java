package io.sluice.metadata.concurrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/** Scheduled tasks that throw are logged and counted; periodic ones keep their period. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GuardedScheduledExecutorTest {
    private final GuardedScheduledExecutor scheduler = GuardedScheduledExecutor.singleThread("test-scheduler");
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger("io.sluice.metadata.concurrent");

    @BeforeEach
    void captureLogs() {
        logs.start();
        logger.addAppender(logs);
    }

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
        logger.detachAppender(logs);
    }

    private List<String> errors() {
        synchronized (logs.list) {
            return logs.list.stream()
                    .filter(e -> e.getLevel() == Level.ERROR)
                    .map(ILoggingEvent::getFormattedMessage)
                    .toList();
        }
    }

    @Test
    void aPeriodicTaskThatThrowsAnErrorOrAnExceptionKeepsRunning() {
        AtomicInteger runs = new AtomicInteger();
        scheduler.scheduleWithFixedDelay(
                SurvivingTask.of("flaky-task", () -> {
                    int run = runs.incrementAndGet();
                    if (run == 1) {
                        throw new InternalError("a fault occurred in a recent unsafe memory access operation");
                    }
                    if (run == 2) {
                        throw new IllegalStateException("second run fails too");
                    }
                }),
                0,
                1,
                TimeUnit.MILLISECONDS);
        AtomicInteger fixedRateRuns = new AtomicInteger();
        scheduler.scheduleAtFixedRate(
                () -> {
                    if (fixedRateRuns.incrementAndGet() == 1) {
                        throw new StackOverflowError("fixed-rate task");
                    }
                },
                0,
                1,
                TimeUnit.MILLISECONDS);

        await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() >= 5 && fixedRateRuns.get() >= 3);
        assertThat(scheduler.failures()).isEqualTo(3);
        assertThat(errors()).anyMatch(m -> m.contains("flaky-task") && m.contains("runs again"));
        assertThat(scheduler.status()).isEqualTo(new ThreadStatus("test-scheduler", true));
    }

    @Test
    void aOneShotTaskThatThrowsIsLoggedAndStillFailsItsFuture() {
        Future<?> future = scheduler.schedule(
                new Runnable() {
                    @Override
                    public void run() {
                        throw new InternalError("mmap fault");
                    }

                    @Override
                    public String toString() {
                        return "retry-alter-partition";
                    }
                },
                0,
                TimeUnit.MILLISECONDS);

        assertThatThrownBy(() -> future.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(InternalError.class);
        assertThat(scheduler.failures()).isEqualTo(1);
        assertThat(errors()).anyMatch(m -> m.contains("retry-alter-partition") && m.contains("test-scheduler"));
    }

    @Test
    void isReportedDeadOnceShutDown() {
        assertThat(scheduler.status().alive()).isTrue();
        scheduler.shutdown();
        assertThat(scheduler.status()).isEqualTo(new ThreadStatus("test-scheduler", false));
    }

    @Test
    void aThreadKilledByAnUncaughtErrorIsLogged() throws InterruptedException {
        Thread thread = Threads.newThread(
                "doomed-thread",
                () -> {
                    throw new InternalError("boom");
                },
                true);
        thread.start();
        thread.join(10_000);

        assertThat(ThreadStatus.of(thread)).isEqualTo(new ThreadStatus("doomed-thread", false));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> errors().stream().anyMatch(m -> m.contains("doomed-thread") && m.contains("died")));
    }
}
