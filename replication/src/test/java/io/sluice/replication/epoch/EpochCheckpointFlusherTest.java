package io.sluice.replication.epoch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Deferred leader-epoch checkpoint writes: what is written when, and what is never written. */
@Timeout(30)
class EpochCheckpointFlusherTest {
    private static final TopicPartition TP = new TopicPartition("orders", 3);

    @TempDir
    Path dir;

    /** Runs submitted passes only when the test says so. */
    private final ManualExecutor executor = new ManualExecutor();

    private EpochCheckpointFlusher flusher;
    private LeaderEpochCache cache;

    @BeforeEach
    void setUp() throws IOException {
        flusher = new EpochCheckpointFlusher(executor, 1);
        cache = new LeaderEpochCache(TP, dir, flusher);
    }

    private List<EpochEntry> onDisk() throws IOException {
        return new LeaderEpochCheckpointFile(dir).read();
    }

    @Test
    void newEntriesAreWrittenByTheNextPassNotByTheCaller() throws IOException {
        cache.assign(1, 0);
        cache.assign(2, 5);

        assertThat(onDisk()).isEmpty();
        assertThat(cache.hasUnwrittenChanges()).isTrue();
        assertThat(flusher.pending()).isEqualTo(1);
        assertThat(executor.queued()).isEqualTo(1);

        executor.runAll();

        assertThat(onDisk()).containsExactly(new EpochEntry(1, 0), new EpochEntry(2, 5));
        assertThat(cache.hasUnwrittenChanges()).isFalse();
        assertThat(flusher.pending()).isZero();
    }

    @Test
    void anEpochThatWroteNothingIsReplacedWithoutAWrite() throws IOException {
        cache.assign(1, 0);
        executor.runAll();
        cache.assign(2, 5);
        cache.assign(3, 5);

        assertThat(onDisk()).containsExactly(new EpochEntry(1, 0));
        executor.runAll();
        assertThat(onDisk()).containsExactly(new EpochEntry(1, 0), new EpochEntry(3, 5));
    }

    @Test
    void removalsAreWrittenAtOnceTogetherWithPendingEntries() throws IOException {
        cache.assign(1, 0);
        cache.assign(2, 5);
        cache.assign(3, 9);

        cache.truncateFromEnd(9);

        assertThat(onDisk()).containsExactly(new EpochEntry(1, 0), new EpochEntry(2, 5));
        assertThat(cache.hasUnwrittenChanges()).isFalse();
        executor.runAll();
        assertThat(onDisk()).containsExactly(new EpochEntry(1, 0), new EpochEntry(2, 5));
    }

    @Test
    void anAssignmentThatDropsConflictingEntriesIsWrittenAtOnce() throws IOException {
        cache.assign(1, 0);
        cache.assign(2, 5);
        cache.assign(3, 9);

        cache.assign(4, 4);

        assertThat(onDisk()).containsExactly(new EpochEntry(1, 0), new EpochEntry(4, 4));
    }

    @Test
    void aPassWritesAChunkAndResubmitsItselfForTheRest() throws IOException {
        List<LeaderEpochCache> caches = new ArrayList<>();
        for (int i = 0; i < EpochCheckpointFlusher.CHUNK + 5; i++) {
            Path partitionDir = Files.createDirectories(dir.resolve("p-" + i));
            LeaderEpochCache c = new LeaderEpochCache(new TopicPartition("t", i), partitionDir, flusher);
            c.assign(1, i);
            caches.add(c);
        }
        assertThat(executor.queued()).isEqualTo(1);

        executor.runOne();

        assertThat(caches.stream().filter(LeaderEpochCache::hasUnwrittenChanges))
                .hasSize(5);
        assertThat(executor.queued()).isEqualTo(1);
        executor.runAll();
        assertThat(caches).noneMatch(LeaderEpochCache::hasUnwrittenChanges);
        for (LeaderEpochCache c : caches) {
            assertThat(new LeaderEpochCache(TP, c.checkpointPath().getParent()).epochEntries())
                    .isEqualTo(c.epochEntries());
        }
    }

    @Test
    void closeWritesEverythingAndLaterEntriesAreWrittenAtOnce() throws IOException {
        cache.assign(1, 0);

        flusher.close();

        assertThat(onDisk()).containsExactly(new EpochEntry(1, 0));
        cache.assign(2, 3);
        assertThat(onDisk()).containsExactly(new EpochEntry(1, 0), new EpochEntry(2, 3));
        flusher.close();
    }

    @Test
    void aClosedCacheNeverWritesAgain() throws IOException {
        cache.assign(1, 0);
        cache.close();

        executor.runAll();
        flusher.flushAll();
        cache.truncateFromEnd(0);

        assertThat(Files.exists(cache.checkpointPath())).isFalse();
        assertThat(cache.epochEntries()).isEmpty();
    }

    @Test
    void aCacheWhoseDirectoryIsGoneIsSkipped() throws IOException {
        Path partitionDir = Files.createDirectories(dir.resolve("doomed"));
        LeaderEpochCache doomed = new LeaderEpochCache(TP, partitionDir, flusher);
        doomed.assign(1, 0);
        Files.delete(partitionDir);

        executor.runAll();

        assertThat(flusher.pending()).isZero();
        assertThat(doomed.hasUnwrittenChanges()).isTrue();
    }

    @Test
    void aFailedRemovalWriteReachesTheCaller() throws IOException {
        Path partitionDir = Files.createDirectories(dir.resolve("gone"));
        LeaderEpochCache c = new LeaderEpochCache(TP, partitionDir, flusher);
        c.assign(1, 0);
        c.assign(2, 4);
        Files.delete(partitionDir);

        assertThatThrownBy(() -> c.truncateFromEnd(4)).isInstanceOf(UncheckedIOException.class);
        assertThat(c.epochEntries()).containsExactly(new EpochEntry(1, 0));
    }

    /** Queues tasks; the test runs them. */
    private static final class ManualExecutor implements Executor {
        private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

        @Override
        public synchronized void execute(Runnable command) {
            tasks.add(command);
        }

        synchronized int queued() {
            return tasks.size();
        }

        void runOne() {
            Runnable task;
            synchronized (this) {
                task = tasks.poll();
            }
            if (task != null) {
                task.run();
            }
        }

        void runAll() {
            while (queued() > 0) {
                runOne();
            }
        }
    }
}
