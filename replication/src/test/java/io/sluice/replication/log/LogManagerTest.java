package io.sluice.replication.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.replication.checkpoint.OffsetCheckpointFile;
import io.sluice.testsupport.ManualClock;
import io.sluice.testsupport.ManualScheduler;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class LogManagerTest {

    @TempDir
    Path tmp;

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private ScheduledThreadPoolExecutor scheduler;
    private Path dirA;
    private Path dirB;

    @BeforeEach
    void setUp() {
        scheduler = new ScheduledThreadPoolExecutor(2);
        dirA = tmp.resolve("a");
        dirB = tmp.resolve("b");
    }

    @AfterEach
    void tearDown() throws Exception {
        scheduler.shutdownNow();
        scheduler.awaitTermination(10, TimeUnit.SECONDS);
    }

    /** 1 KiB segments, an index entry every 128 bytes, deleted files removed at once (shared with LogMetricsTest). */
    static LogConfig config() {
        return LogConfig.defaults()
                .withSegmentBytes(1024)
                .withIndexIntervalBytes(128)
                .withFileDeleteDelayMs(0);
    }

    private LogManager manager() {
        return new LogManager(List.of(dirA, dirB), config(), 2, clock, scheduler);
    }

    private void fill(UnifiedLog log, int batches) {
        for (int i = 0; i < batches; i++) {
            log.appendAsLeader(Batches.batch(clock.millis() + i, 4, log.topicPartition() + "/" + i), 0);
        }
    }

    @Test
    void parsesDirectoryNamesAtTheLastDash() {
        assertThat(LogManager.parseLogDirName("orders-eu-west-12")).contains(new TopicPartition("orders-eu-west", 12));
        assertThat(LogManager.parseLogDirName("plain-0")).contains(new TopicPartition("plain", 0));
        assertThat(LogManager.parseLogDirName("nodash")).isEmpty();
        assertThat(LogManager.parseLogDirName("-3")).isEmpty();
        assertThat(LogManager.parseLogDirName("topic-")).isEmpty();
        assertThat(LogManager.parseLogDirName("topic-x1")).isEmpty();
        assertThat(LogManager.parseLogDirName("t-0.abc-delete")).isEmpty();
        assertThat(LogManager.logDirName(new TopicPartition("a-b", 7))).isEqualTo("a-b-7");
    }

    @Test
    void createsLogsInTheDirectoryWithFewestPartitionsAndReloadsAfterCleanShutdown() throws Exception {
        LogManager manager = manager();
        manager.startup();
        TopicPartition t0 = new TopicPartition("my-topic", 0);
        TopicPartition t1 = new TopicPartition("my-topic", 1);
        TopicPartition t2 = new TopicPartition("other", 0);
        UnifiedLog l0 = manager.getOrCreateLog(t0, config());
        UnifiedLog l1 = manager.getOrCreateLog(t1, config());
        UnifiedLog l2 = manager.getOrCreateLog(t2, config());
        assertThat(manager.getOrCreateLog(t0, config())).isSameAs(l0);
        assertThat(l0.dir().toPath().getParent()).isEqualTo(dirA.toAbsolutePath());
        assertThat(l1.dir().toPath().getParent()).isEqualTo(dirB.toAbsolutePath());
        assertThat(l2.dir().toPath().getParent()).isEqualTo(dirA.toAbsolutePath());
        fill(l0, 30);
        fill(l1, 10);
        List<Batches.Read> before = Batches.readAll(l0);
        manager.shutdown();
        manager.shutdown();
        assertThat(manager.state()).isEqualTo(LogManager.State.STOPPED);

        assertThat(dirA.resolve(LogManager.CLEAN_SHUTDOWN_FILE)).exists();
        assertThat(dirB.resolve(LogManager.CLEAN_SHUTDOWN_FILE)).exists();
        Map<TopicPartition, Long> recoveryPoints =
                new OffsetCheckpointFile(dirA.resolve(LogManager.RECOVERY_POINT_CHECKPOINT)).read();
        assertThat(recoveryPoints).containsEntry(t0, 120L).containsEntry(t2, 0L);

        LogManager restarted = manager();
        restarted.startup();
        assertThat(dirA.resolve(LogManager.CLEAN_SHUTDOWN_FILE)).doesNotExist();
        assertThat(restarted.allLogs()).hasSize(3);
        UnifiedLog reloaded = restarted.getLog(t0).orElseThrow();
        assertThat(reloaded.logEndOffset()).isEqualTo(120);
        assertThat(reloaded.recoveryPoint()).isEqualTo(120);
        assertThat(Batches.readAll(reloaded)).isEqualTo(before);
        assertThat(restarted.getLog(t1).orElseThrow().logEndOffset()).isEqualTo(40);
        restarted.shutdown();
    }

    @Test
    void uncleanRestartRecoversTornTailsAfterTheRecoveryPoint() throws Exception {
        LogManager manager = manager();
        manager.startup();
        TopicPartition tp = new TopicPartition("torn-topic", 2);
        fill(manager.getOrCreateLog(tp, config()), 40);
        manager.shutdown();
        // simulate a crash: no marker, and the last batch half written
        Files.delete(dirA.resolve(LogManager.CLEAN_SHUTDOWN_FILE));
        Path logDir = dirA.resolve("torn-topic-2");
        Path last;
        try (Stream<Path> files = Files.list(logDir)) {
            last = files.filter(p -> p.toString().endsWith(".log"))
                    .max(Path::compareTo)
                    .orElseThrow();
        }
        try (RandomAccessFile raf = new RandomAccessFile(last.toFile(), "rw")) {
            raf.setLength(raf.length() - 7);
        }
        LogManager restarted = manager();
        restarted.startup();
        UnifiedLog log = restarted.getLog(tp).orElseThrow();
        assertThat(log.logEndOffset()).isEqualTo(156);
        assertThat(Batches.readAll(log)).hasSize(156);
        restarted.shutdown();
    }

    @Test
    void deleteLogRenamesThenRemovesTheDirectory() throws Exception {
        LogManager manager = manager();
        manager.startup();
        TopicPartition tp = new TopicPartition("gone", 0);
        UnifiedLog log = manager.getOrCreateLog(tp, config());
        fill(log, 5);
        assertThat(manager.deleteLog(tp)).isTrue();
        assertThat(manager.deleteLog(tp)).isFalse();
        assertThat(manager.getLog(tp)).isEqualTo(Optional.empty());
        assertThat(dirA.resolve("gone-0")).doesNotExist();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            try (Stream<Path> children = Files.list(dirA)) {
                assertThat(children.filter(Files::isDirectory)).isEmpty();
            }
        });
        assertThatThrownBy(() -> log.appendAsLeader(Batches.batch(1, 1, "x"), 0))
                .isInstanceOf(org.apache.kafka.common.errors.KafkaStorageException.class);
        manager.shutdown();
    }

    /**
     * A topic deleted and re-created under the same name while the deleted log's files wait for
     * {@code file.delete.delay.ms}: the delayed removal must not touch the new log's files (it used to trim the new
     * active segment's preallocated indexes to the old ones' valid size, and the next index append faulted).
     */
    @Test
    void delayedRemovalOfADeletedLogLeavesTheRecreatedLogsFilesAlone() throws Exception {
        ManualScheduler manual = new ManualScheduler(clock);
        LogConfig cfg = LogConfig.defaults().withIndexIntervalBytes(64).withFileDeleteDelayMs(60_000);
        LogManager manager = new LogManager(List.of(dirA), cfg, 1, clock, manual);
        manager.startup();
        TopicPartition tp = new TopicPartition("bench", 0);
        UnifiedLog old = manager.getOrCreateLog(tp, cfg);
        fill(old, 40);
        old.truncateFullyAndStartAt(0); // the first segment 0 is renamed .deleted, its removal pending
        fill(old, 40);
        assertThat(old.segmentBaseOffsets()).containsExactly(0L);
        assertThat(manager.deleteLog(tp)).isTrue();

        UnifiedLog recreated = manager.getOrCreateLog(tp, cfg);
        assertThat(recreated).isNotSameAs(old);
        fill(recreated, 3);
        Path partitionDir = dirA.resolve("bench-0");
        Map<String, Long> before = fileSizes(partitionDir);
        assertThat(before.get("00000000000000000000.index")).isEqualTo((long) cfg.maxIndexSize() / 8 * 8);
        assertThat(before.get("00000000000000000000.timeindex")).isEqualTo((long) cfg.maxIndexSize() / 12 * 12);

        clock.advance(60_001);
        manual.runDue(clock.millis());

        try (Stream<Path> children = Files.list(dirA)) {
            assertThat(children.filter(Files::isDirectory)
                            .map(p -> p.getFileName().toString()))
                    .containsExactly("bench-0");
        }
        assertThat(fileSizes(partitionDir)).isEqualTo(before);
        // appends that index far beyond the deleted log's index size
        fill(recreated, 300);
        assertThat(Batches.readAll(recreated)).hasSize(4 * 303);
        assertThat(recreated.segmentBaseOffsets()).containsExactly(0L);
        manager.shutdown();

        LogManager restarted = new LogManager(List.of(dirA), cfg, 1, clock, manual);
        restarted.startup();
        UnifiedLog reloaded = restarted.getLog(tp).orElseThrow();
        assertThat(reloaded.logEndOffset()).isEqualTo(4 * 303);
        assertThat(Batches.readAll(reloaded)).hasSize(4 * 303);
        restarted.shutdown();
    }

    private static Map<String, Long> fileSizes(Path dir) throws Exception {
        Map<String, Long> sizes = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                sizes.put(file.getFileName().toString(), Files.size(file));
            }
        }
        return sizes;
    }

    @Test
    void periodicRetentionAndFlushRunOnTheScheduler() {
        LogManager manager =
                new LogManager(List.of(dirA), config(), new LogManagerConfig(1, 50, 20, 50), clock, scheduler);
        manager.startup();
        TopicPartition tp = new TopicPartition("periodic", 0);
        UnifiedLog log = manager.getOrCreateLog(tp, config().withFlushMs(1_000));
        fill(log, 60);
        assertThat(log.numberOfSegments()).isGreaterThan(3);
        log.updateConfig(log.config().withRetentionBytes(1024)); // live config change, picked up by the task
        // every roll flushes the rolled segments in the background, which counts as a flush for flush.ms
        long activeBase = log.segmentBaseOffsets().get(log.numberOfSegments() - 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> log.recoveryPoint() == activeBase);
        assertThat(log.recoveryPoint()).isLessThan(log.logEndOffset());
        clock.advance(1_000);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(log.numberOfSegments()).isLessThanOrEqualTo(3);
            assertThat(log.logStartOffset()).isPositive();
            assertThat(log.recoveryPoint()).isEqualTo(log.logEndOffset());
        });
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(
                                new OffsetCheckpointFile(dirA.resolve(LogManager.LOG_START_OFFSET_CHECKPOINT)).read())
                        .containsEntry(tp, log.logStartOffset()));
        manager.shutdown();
    }

    @Test
    void lifecycleIsEnforced() {
        LogManager manager = manager();
        assertThatThrownBy(() -> manager.getOrCreateLog(new TopicPartition("t", 0), config()))
                .isInstanceOf(IllegalStateException.class);
        manager.startup();
        assertThatThrownBy(manager::startup).isInstanceOf(IllegalStateException.class);
        manager.shutdown();
        assertThatThrownBy(() -> manager.getOrCreateLog(new TopicPartition("t", 0), config()))
                .isInstanceOf(IllegalStateException.class);
    }
}
