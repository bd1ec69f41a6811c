package io.sluice.broker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.broker.metrics.ThreadLivenessMetrics.DeadThread;
import io.sluice.broker.metrics.ThreadLivenessMetrics.Kind;
import io.sluice.metadata.concurrent.GuardedScheduledExecutor;
import io.sluice.metadata.concurrent.ThreadStatus;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ThreadLivenessMetricsTest {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ThreadLivenessMetrics liveness = new ThreadLivenessMetrics(registry);
    private final GuardedScheduledExecutor scheduler = GuardedScheduledExecutor.singleThread("sluice-scheduler-9");

    @AfterEach
    void close() {
        scheduler.shutdownNow();
        liveness.close();
        registry.close();
    }

    @Test
    void countsAliveAndDeadThreadsPerKindAndNamesTheDeadOnes() {
        List<ThreadStatus> fetchers = new CopyOnWriteArrayList<>(List.of(
                new ThreadStatus("ReplicaFetcherThread-0-2", true),
                new ThreadStatus("ReplicaFetcherThread-0-3", true)));
        liveness.watch(Kind.REPLICA_FETCHER, () -> fetchers);
        liveness.watch(Kind.PURGATORY_REAPER, () -> List.of(new ThreadStatus("ExpirationReaper-1-Produce", true)));
        liveness.watch(Kind.PURGATORY_REAPER, () -> {
            throw new IllegalStateException("not started");
        });
        liveness.watch(scheduler);

        String scrape = registry.scrape();
        assertThat(scrape)
                .contains("sluice_thread_alive{kind=\"replica_fetcher\"} 2.0")
                .contains("sluice_thread_dead{kind=\"replica_fetcher\"} 0.0")
                .contains("sluice_thread_alive{kind=\"purgatory_reaper\"} 1.0")
                .contains("sluice_thread_alive{kind=\"log_cleaner\"} 0.0")
                .contains("sluice_thread_alive{kind=\"controller_event\"} 0.0")
                .contains("sluice_thread_alive{kind=\"scheduler\"} 1.0")
                .contains("sluice_scheduler_task_failures_total{scheduler=\"sluice-scheduler-9\"} 0.0");
        assertThat(liveness.dead()).isEmpty();

        fetchers.set(1, new ThreadStatus("ReplicaFetcherThread-0-3", false));
        assertThat(registry.scrape())
                .contains("sluice_thread_alive{kind=\"replica_fetcher\"} 1.0")
                .contains("sluice_thread_dead{kind=\"replica_fetcher\"} 1.0");
        assertThat(liveness.dead()).containsExactly(new DeadThread(Kind.REPLICA_FETCHER, "ReplicaFetcherThread-0-3"));
        assertThat(liveness.dead().get(0)).hasToString("replica_fetcher thread ReplicaFetcherThread-0-3");
    }

    @Test
    void countsTheSchedulersTaskFailures() throws Exception {
        liveness.watch(scheduler);
        Runnable failing = () -> {
            throw new InternalError("mmap fault");
        };
        try {
            scheduler.schedule(failing, 0, TimeUnit.MILLISECONDS).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException expected) {
            // the task's failure completes its future
        }
        assertThat(registry.scrape())
                .contains("sluice_scheduler_task_failures_total{scheduler=\"sluice-scheduler-9\"} 1.0");

        scheduler.shutdown();
        assertThat(liveness.dead()).containsExactly(new DeadThread(Kind.SCHEDULER, "sluice-scheduler-9"));
    }
}
