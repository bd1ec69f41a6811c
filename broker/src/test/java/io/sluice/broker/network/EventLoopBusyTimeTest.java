package io.sluice.broker.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class EventLoopBusyTimeTest {
    private static final long BURN_NANOS = Duration.ofMillis(200).toNanos();

    private final ThreadMXBean threadBean = ManagementFactory.getThreadMXBean();

    /**
     * A task that uses 200 ms of CPU on one of two event loops shows up in the busy time, which never exceeds the
     * loops' wall time (the idle ratio stays in [0, 1]) and does not drop once the loops have ended.
     */
    @Test
    void countsTheEventLoopsCpuTimeAndKeepsItAfterTheyEnd() throws Exception {
        assumeThat(threadBean.isThreadCpuTimeSupported() && threadBean.isThreadCpuTimeEnabled())
                .as("this JVM measures thread CPU time")
                .isTrue();
        EventLoopBusyTime busy = new EventLoopBusyTime();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new NetworkMetrics(registry).networkThreads(2, busy);
        long start = System.nanoTime();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(
                2, busy.recording(new DefaultThreadFactory("busy-time-test", true)), NioIoHandler.newFactory());
        try {
            // Burns 200 ms of the loop thread's own CPU time, however loaded the machine is.
            long spins = group.next()
                    .submit(() -> {
                        long until = threadBean.getCurrentThreadCpuTime() + BURN_NANOS;
                        long n = 0;
                        while (threadBean.getCurrentThreadCpuTime() < until) {
                            n++;
                        }
                        return n;
                    })
                    .get(30, TimeUnit.SECONDS);
            assertThat(spins).isPositive();

            long busyNanos = busy.busyNanos();
            long wallNanos = System.nanoTime() - start;
            assertThat(busy.threads()).isBetween(1, 2);
            assertThat(busyNanos).isGreaterThanOrEqualTo(BURN_NANOS).isLessThanOrEqualTo(wallNanos * busy.threads());
            assertThat(registry.get("sluice.network.processor.busy")
                            .functionCounter()
                            .count())
                    .isGreaterThanOrEqualTo(BURN_NANOS / 1e9);
            assertThat(registry.get("sluice.network.processor.threads").gauge().value())
                    .isEqualTo(2.0);
            // The names docs/metrics.md gives for the idle ratio's PromQL.
            assertThat(registry.scrape())
                    .containsPattern("(?m)^sluice_network_processor_busy_seconds_total [0-9.E]+$")
                    .containsPattern("(?m)^sluice_network_processor_threads 2\\.0$");
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        assertThat(busy.busyNanos()).as("kept after the threads end").isGreaterThanOrEqualTo(BURN_NANOS);
    }
}
