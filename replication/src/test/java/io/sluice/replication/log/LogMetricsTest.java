package io.sluice.replication.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.testsupport.ManualClock;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class LogMetricsTest {

    @TempDir
    Path tmp;

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private ScheduledThreadPoolExecutor scheduler;
    private LogManager manager;
    private Path dirA;
    private Path dirB;

    @BeforeEach
    void setUp() {
        scheduler = new ScheduledThreadPoolExecutor(1);
        dirA = tmp.resolve("a").toAbsolutePath().normalize();
        dirB = tmp.resolve("b").toAbsolutePath().normalize();
        manager = new LogManager(List.of(dirA, dirB), LogManagerTest.config(), 1, clock, scheduler);
        manager.startup();
    }

    @AfterEach
    void tearDown() throws Exception {
        manager.shutdown();
        scheduler.shutdownNow();
        scheduler.awaitTermination(10, TimeUnit.SECONDS);
    }

    @Test
    void partitionGaugesFollowTheHostedLogsAndDirGaugesSumThem() {
        TopicPartition t0 = new TopicPartition("sized", 0);
        TopicPartition t1 = new TopicPartition("sized", 1);
        UnifiedLog l0 = manager.getOrCreateLog(t0, LogManagerTest.config());
        UnifiedLog l1 = manager.getOrCreateLog(t1, LogManagerTest.config());
        for (int i = 0; i < 20; i++) {
            l0.appendAsLeader(Batches.batch(clock.millis() + i, 4, "r" + i), 0);
        }
        l1.appendAsLeader(Batches.batch(clock.millis(), 4, "one"), 0);

        LogMetrics metrics = new LogMetrics(registry, manager);
        assertThat(metrics.meteredPartitions()).containsExactlyInAnyOrder(t0, t1);
        assertThat(l0.numberOfSegments()).isGreaterThan(1);
        assertThat(partitionGauge(LogMetrics.SIZE, t0)).isEqualTo((double) l0.size());
        assertThat(partitionGauge(LogMetrics.SEGMENTS, t0)).isEqualTo(l0.numberOfSegments());
        assertThat(partitionGauge(LogMetrics.SIZE, t1)).isEqualTo((double) l1.size());

        double dirSizes = dirGauge(LogMetrics.DIR_SIZE, dirA) + dirGauge(LogMetrics.DIR_SIZE, dirB);
        assertThat(dirSizes).isEqualTo((double) l0.size() + l1.size());
        assertThat(dirGauge(LogMetrics.DIR_PARTITIONS, dirA) + dirGauge(LogMetrics.DIR_PARTITIONS, dirB))
                .isEqualTo(2);
        assertThat(dirGauge(LogMetrics.DIR_SEGMENTS, dirA) + dirGauge(LogMetrics.DIR_SEGMENTS, dirB))
                .isEqualTo(l0.numberOfSegments() + l1.numberOfSegments());
        assertThat(dirGauge(LogMetrics.DIR_TOTAL, dirA)).isPositive();
        assertThat(dirGauge(LogMetrics.DIR_FREE, dirA))
                .isPositive()
                .isLessThanOrEqualTo(dirGauge(LogMetrics.DIR_TOTAL, dirA));

        manager.deleteLog(t1);
        metrics.refresh();
        assertThat(metrics.meteredPartitions()).containsExactly(t0);
        assertThat(registry.find(LogMetrics.SIZE).tag("partition", "1").gauges())
                .isEmpty();

        metrics.close();
        assertThat(registry.find(LogMetrics.SIZE).gauges()).isEmpty();
        assertThat(registry.find(LogMetrics.DIR_FREE).gauges()).isEmpty();
    }

    private double partitionGauge(String name, TopicPartition tp) {
        Gauge gauge = registry.find(name)
                .tag("topic", tp.topic())
                .tag("partition", Integer.toString(tp.partition()))
                .gauge();
        assertThat(gauge).as("%s of %s", name, tp).isNotNull();
        return gauge.value();
    }

    private double dirGauge(String name, Path dir) {
        Gauge gauge = registry.find(name).tag("dir", dir.toString()).gauge();
        assertThat(gauge).as("%s of %s", name, dir).isNotNull();
        return gauge.value();
    }
}
