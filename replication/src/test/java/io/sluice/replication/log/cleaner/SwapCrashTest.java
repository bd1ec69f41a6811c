package io.sluice.replication.log.cleaner;

import static io.sluice.replication.log.cleaner.KeyedRecords.batch;
import static io.sluice.replication.log.cleaner.KeyedRecords.kv;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.replication.log.FileSlice;
import io.sluice.replication.log.LogConfig;
import io.sluice.replication.log.LogFixture;
import io.sluice.replication.log.SegmentInfo;
import io.sluice.replication.log.SwapHook;
import io.sluice.replication.log.SwapStep;
import io.sluice.replication.log.UnifiedLog;
import io.sluice.replication.log.cleaner.KeyedRecords.Read;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crash at every step of a segment swap: the directory is copied as it is on disk after each step (what a crash
 * there would leave), loaded again as after an unclean shutdown, and must hold exactly the old or exactly the new
 * records.
 */
@Timeout(60)
class SwapCrashTest {

    private static final TopicPartition TP = new TopicPartition("compacted", 0);

    @TempDir
    Path tmp;

    @RegisterExtension
    final LogFixture logs = new LogFixture();

    private static LogConfig config() {
        return CleanerTest.compacted().withSegmentBytes(4096).withFileDeleteDelayMs(3_600_000);
    }

    private UnifiedLog load(Path dir, boolean clean) {
        return logs.open(dir.toFile(), TP, config(), 0, clean);
    }

    private UnifiedLog writeLog(Path dir) {
        UnifiedLog log = load(dir, true);
        for (int round = 0; round < 30; round++) {
            for (int k = 0; k < 8; k++) {
                log.appendAsLeader(batch(logs.clock.millis(), kv("k" + k, "v" + round)), 0);
            }
        }
        log.appendAsLeader(batch(logs.clock.millis(), kv("k0", null)), 0);
        log.roll();
        log.appendAsLeader(batch(logs.clock.millis(), kv("tail", "t")), 0);
        return log;
    }

    private LogCleaner cleaner(UnifiedLog log, SwapHook hook) {
        return new LogCleaner(CleanerTest.testCleanerConfig(), List.of(tmp), () -> List.of(log), logs.clock, hook);
    }

    @Test
    void aCrashAfterAnyStepLeavesTheOldOrTheNewSegmentsNeverAMix() {
        Path dir = tmp.resolve("compacted-0");
        UnifiedLog log = writeLog(dir);
        List<Read> oldRecords = KeyedRecords.readAll(log);
        assertThat(log.numberOfSegments()).isGreaterThan(3);
        Map<SwapStep, Path> crashes = new EnumMap<>(SwapStep.class);
        SwapHook snapshotting = step -> {
            if (!crashes.containsKey(step)) {
                crashes.put(step, copy(dir, tmp.resolve("crash-" + step)));
            }
        };
        LogCleaner cleaner = cleaner(log, snapshotting);

        assertThat(cleaner.cleanFilthiestLog(cleaner.newCleaner())).isPresent();
        List<Read> newRecords = KeyedRecords.readAll(log);
        assertThat(newRecords).hasSizeLessThan(oldRecords.size());
        assertThat(crashes).containsOnlyKeys(SwapStep.values());

        for (SwapStep step : SwapStep.values()) {
            UnifiedLog recovered = load(crashes.get(step), false);
            List<Read> records = KeyedRecords.readAll(recovered);
            // the first swap replaced only the first group; later groups are still old in either case
            if (step.ordinal() < SwapStep.SWAP_COMMITTED.ordinal()) {
                assertThat(records).as("crash after %s", step).isEqualTo(oldRecords);
            } else {
                assertThat(records).as("crash after %s", step).isNotEqualTo(oldRecords);
                assertThat(KeyedRecords.finalValues(records)).isEqualTo(KeyedRecords.finalValues(oldRecords));
                assertThat(records).as("crash after %s", step).isSubsetOf(oldRecords);
                assertThat(records).extracting(Read::offset).isSorted().doesNotHaveDuplicates();
            }
            assertThat(leftovers(crashes.get(step)))
                    .as("leftovers after %s", step)
                    .isEmpty();
            // the recovered log accepts appends and can be cleaned to the same result
            recovered.appendAsLeader(batch(logs.clock.millis(), kv("after", "crash")), 0);
        }
    }

    @Test
    void aCommittedSwapThatCrashedReplacesEveryOldSegmentOfItsGroup() {
        Path dir = tmp.resolve("compacted-0");
        UnifiedLog log = writeLog(dir);
        List<Read> oldRecords = KeyedRecords.readAll(log);
        List<Path> committed = new ArrayList<>();
        LogCleaner cleaner = cleaner(log, step -> {
            if (step == SwapStep.SWAP_COMMITTED) {
                committed.add(copy(dir, tmp.resolve("committed-" + committed.size())));
            }
        });

        assertThat(cleaner.cleanFilthiestLog(cleaner.newCleaner())).isPresent();
        List<Read> newRecords = KeyedRecords.readAll(log);

        // the last swap's snapshot holds every earlier swap finished and the last one committed
        UnifiedLog recovered = load(committed.get(committed.size() - 1), true);
        assertThat(KeyedRecords.readAll(recovered)).isEqualTo(newRecords);
        assertThat(recovered.segmentBaseOffsets()).isEqualTo(log.segmentBaseOffsets());
        assertThat(KeyedRecords.finalValues(newRecords)).isEqualTo(KeyedRecords.finalValues(oldRecords));
    }

    @Test
    void aFailureBeforeTheCommitLeavesTheOldSegmentsInPlaceAndNoFiles() throws IOException {
        Path dir = tmp.resolve("compacted-0");
        UnifiedLog log = writeLog(dir);
        List<Read> oldRecords = KeyedRecords.readAll(log);
        List<Long> oldBases = log.segmentBaseOffsets();
        LogCleaner failing = cleaner(log, step -> {
            if (step == SwapStep.SWAP_INDEXES_RENAMED) {
                throw new IOException("disk full");
            }
        });

        assertThat(failing.cleanFilthiestLog(failing.newCleaner())).isEmpty();

        assertThat(KeyedRecords.readAll(log)).isEqualTo(oldRecords);
        assertThat(log.segmentBaseOffsets()).isEqualTo(oldBases);
        assertThat(leftovers(dir)).isEmpty();
        // a failing partition is left alone until restart; a new cleaner (a restart) cleans it
        assertThat(failing.cleanFilthiestLog(failing.newCleaner())).isEmpty();
        LogCleaner healthy = cleaner(log, SwapHook.NONE);
        assertThat(healthy.cleanFilthiestLog(healthy.newCleaner())).isPresent();
        assertThat(KeyedRecords.finalValues(KeyedRecords.readAll(log))).isEqualTo(KeyedRecords.finalValues(oldRecords));
    }

    @Test
    void aCleaningThatFinishesAfterItsLogWasDeletedRecordsNoCleanBoundary() {
        Path dir = tmp.resolve("compacted-0");
        UnifiedLog log = writeLog(dir);
        LogCleaner[] holder = new LogCleaner[1];
        boolean[] deleted = new boolean[1];
        holder[0] = cleaner(log, step -> {
            if (step == SwapStep.FINAL_LOG_RENAMED && !deleted[0]) {
                deleted[0] = true;
                holder[0].onLogDeleted(TP); // the topic is deleted while its last swap completes
            }
        });
        LogCleaner cleaner = holder[0];

        assertThat(cleaner.cleanFilthiestLog(cleaner.newCleaner())).isEmpty();

        // a log re-created under this name must start with no clean/dirty boundary of the deleted one
        assertThat(cleaner.firstDirtyOffset(log)).isEmpty();
        assertThat(cleaner.cleanFilthiestLog(cleaner.newCleaner())).isPresent();
        assertThat(cleaner.firstDirtyOffset(log)).isPresent();
    }

    @Test
    void readersHoldingSlicesOfReplacedSegmentsKeepReadingThem() throws IOException {
        Path dir = tmp.resolve("compacted-0");
        UnifiedLog log = writeLog(dir);
        FileSlice before = log.read(0, 1 << 20, log.logEndOffset()).records();
        byte[] expected = bytes(before);
        LogCleaner cleaner = cleaner(log, SwapHook.NONE);

        assertThat(cleaner.cleanFilthiestLog(cleaner.newCleaner())).isPresent();

        assertThat(new File(dir.toFile(), "00000000000000000000.log.deleted")).exists();
        assertThat(bytes(before)).isEqualTo(expected);
        assertThat(log.read(0, 1 << 20, log.logEndOffset()).records().length()).isLessThan(before.length());
    }

    @Test
    void cleaningALogTruncatedSinceItWasAssessedIsAbandoned() throws IOException {
        Path dir = tmp.resolve("compacted-0");
        UnifiedLog log = writeLog(dir);
        LogCleaner cleaner = cleaner(log, SwapHook.NONE);
        List<SegmentInfo> infos = log.segmentInfos();
        log.truncateTo(log.logEndOffset() - 1);
        LogToClean stale = LogToClean.assess(
                log,
                infos,
                log.config(),
                0,
                0,
                log.logEndOffset(),
                Long.MAX_VALUE,
                logs.clock.millis(),
                Long.MAX_VALUE);
        List<Read> before = KeyedRecords.readAll(log);

        assertThat(cleaner.newCleaner().clean(stale).completed()).isFalse();

        assertThat(KeyedRecords.readAll(log)).isEqualTo(before);
        assertThat(leftovers(dir)).isEmpty();
    }

    private static byte[] bytes(FileSlice slice) throws IOException {
        ByteBuffer buffer = slice.readRecords().buffer();
        byte[] out = new byte[buffer.remaining()];
        buffer.get(out);
        return out;
    }

    private static List<String> leftovers(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".cleaned") || n.endsWith(".swap"))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
        return to;
    }
}
