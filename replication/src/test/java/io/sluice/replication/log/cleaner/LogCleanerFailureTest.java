package io.sluice.replication.log.cleaner;

import static io.sluice.replication.log.cleaner.KeyedRecords.batch;
import static io.sluice.replication.log.cleaner.KeyedRecords.kv;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.metadata.concurrent.ThreadStatus;
import io.sluice.replication.log.SwapHook;
import io.sluice.replication.log.SwapStep;
import io.sluice.replication.log.UnifiedLog;
import io.sluice.testsupport.ManualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A cleaner thread survives an Error from cleaning one log: that log becomes uncleanable, the others are cleaned. */
@Timeout(60)
class LogCleanerFailureTest {
    @TempDir
    Path tmp;

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final List<UnifiedLog> logs = new CopyOnWriteArrayList<>();
    private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    private LogCleaner cleaner;

    @AfterEach
    void tearDown() throws Exception {
        if (cleaner != null) {
            cleaner.shutdown();
        }
        logs.forEach(UnifiedLog::close);
        scheduler.shutdownNow();
        scheduler.awaitTermination(10, TimeUnit.SECONDS);
    }

    private UnifiedLog open(TopicPartition tp) {
        UnifiedLog log = UnifiedLog.load(
                tmp.resolve(tp.topic() + "-" + tp.partition()).toFile(),
                tp,
                CleanerTest.compacted(),
                0,
                0,
                true,
                clock,
                scheduler);
        logs.add(log);
        return log;
    }

    private void writeUpdates(UnifiedLog log, int keys, int rounds) {
        for (int round = 0; round < rounds; round++) {
            for (int k = 0; k < keys; k++) {
                log.appendAsLeader(batch(clock.millis(), kv("k" + k, "k" + k + "@" + round)), 0);
            }
        }
    }

    @Test
    void anInternalErrorCleaningOneLogMakesItUncleanableAndTheThreadCleansTheOthers() {
        UnifiedLog first = open(new TopicPartition("table", 0));
        UnifiedLog second = open(new TopicPartition("table", 1));
        writeUpdates(first, 10, 20);
        writeUpdates(second, 10, 20);
        AtomicBoolean failNext = new AtomicBoolean(true);
        SwapHook faultOnce = step -> {
            if (step == SwapStep.CLEANED_WRITTEN && failNext.getAndSet(false)) {
                throw new InternalError("a fault occurred in a recent unsafe memory access operation");
            }
        };
        cleaner = new LogCleaner(
                new CleanerConfig(true, 1, 4L * 1024 * 1024, 4096, 10, 0.9),
                List.of(tmp),
                () -> logs,
                clock,
                faultOnce);
        cleaner.startup();

        // whichever log went first failed; the other is cleaned by the same, still living, thread
        await().atMost(Duration.ofSeconds(30)).until(() -> !failNext.get() && cleanedCount() == 1);
        UnifiedLog failed = cleaner.firstDirtyOffset(first).isEmpty() ? first : second;
        UnifiedLog cleaned = failed == first ? second : first;
        long cleanedUpTo = cleaner.firstDirtyOffset(cleaned).orElseThrow();
        assertThat(cleaner.threadStatuses()).containsExactly(new ThreadStatus("log-cleaner-0", true));

        // more updates: the healthy log is cleaned again, the failed one is left alone until restart
        writeUpdates(failed, 10, 20);
        writeUpdates(cleaned, 10, 20);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> cleaner.firstDirtyOffset(cleaned).orElse(0L) > cleanedUpTo);
        assertThat(cleaner.firstDirtyOffset(failed)).isEqualTo(Optional.empty());
        assertThat(cleaner.threadStatuses()).extracting(ThreadStatus::alive).containsExactly(true);
    }

    private int cleanedCount() {
        return (int) logs.stream()
                .filter(l -> cleaner.firstDirtyOffset(l).isPresent())
                .count();
    }
}
