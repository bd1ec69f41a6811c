package io.sluice.replication.log.cleaner;

import static io.sluice.replication.log.cleaner.KeyedRecords.batch;
import static io.sluice.replication.log.cleaner.KeyedRecords.kv;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.replication.log.LogConfig;
import io.sluice.replication.log.LogFixture;
import io.sluice.replication.log.SwapHook;
import io.sluice.replication.log.UnifiedLog;
import io.sluice.replication.log.cleaner.KeyedRecords.Batch;
import io.sluice.replication.log.cleaner.KeyedRecords.Read;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Compaction of one log: what is kept, what is dropped, and what is never touched. */
@Timeout(60)
class CleanerTest {

    private static final TopicPartition TP = new TopicPartition("compacted", 0);
    private static final long DAY = 24L * 60 * 60 * 1000;

    @TempDir
    Path tmp;

    @RegisterExtension
    final LogFixture logs = new LogFixture();

    private LogCleaner cleaner;

    static LogConfig compacted() {
        return LogConfig.defaults()
                .withSegmentBytes(1024)
                .withIndexIntervalBytes(128)
                .withMaxIndexSize(4096)
                .withCleanupPolicy(true, false)
                .withMinCleanableDirtyRatio(0.0);
    }

    private UnifiedLog open(LogConfig config) {
        UnifiedLog log = logs.open(tmp.resolve("compacted-0").toFile(), TP, config, 0, true);
        cleaner = new LogCleaner(testCleanerConfig(), List.of(tmp), logs::opened, logs.clock, SwapHook.NONE);
        return log;
    }

    static CleanerConfig testCleanerConfig() {
        return new CleanerConfig(true, 1, 4L * 1024 * 1024, 4096, 10, 0.9);
    }

    private Optional<Cleaner.Result> cleanOnce() {
        return cleaner.cleanFilthiestLog(cleaner.newCleaner());
    }

    /** {@code rounds} updates of keys k0..k{keys-1}, one record per batch; value = "key@round". */
    private void writeUpdates(UnifiedLog log, int keys, int rounds) {
        for (int round = 0; round < rounds; round++) {
            for (int k = 0; k < keys; k++) {
                log.appendAsLeader(batch(logs.clock.millis(), kv("k" + k, "k" + k + "@" + round)), 0);
            }
        }
    }

    @Test
    void keepsTheLatestValuePerKeyAtItsOriginalOffsetAndNeverTouchesTheActiveSegment() {
        UnifiedLog log = open(compacted());
        writeUpdates(log, 10, 20);
        List<Read> before = KeyedRecords.readAll(log);
        long activeBase = log.segmentBaseOffsets().get(log.numberOfSegments() - 1);
        List<Read> activeBefore =
                before.stream().filter(r -> r.offset() >= activeBase).toList();
        assertThat(log.numberOfSegments()).isGreaterThan(3);

        Optional<Cleaner.Result> result = cleanOnce();

        assertThat(result).isPresent();
        assertThat(result.get().nextFirstDirtyOffset()).isEqualTo(activeBase);
        List<Read> after = KeyedRecords.readAll(log);
        // the active segment is exactly as it was
        assertThat(after.stream().filter(r -> r.offset() >= activeBase).toList())
                .isEqualTo(activeBefore);
        // below it: at most one record per key, the latest of that key below the active segment, same offset
        Map<String, Read> latestBelow = new HashMap<>();
        before.stream().filter(r -> r.offset() < activeBase).forEach(r -> latestBelow.put(r.key(), r));
        List<Read> cleaned = after.stream().filter(r -> r.offset() < activeBase).toList();
        assertThat(cleaned).hasSize(latestBelow.size());
        for (Read read : cleaned) {
            assertThat(latestBelow.get(read.key()).offset()).isEqualTo(read.offset());
            assertThat(latestBelow.get(read.key()).value()).isEqualTo(read.value());
        }
        assertThat(KeyedRecords.finalValues(after)).isEqualTo(KeyedRecords.finalValues(before));
        assertThat(after).extracting(Read::offset).isSorted().doesNotHaveDuplicates();
        assertThat(log.logEndOffset()).isEqualTo(200);
        assertThat(log.numberOfSegments()).isLessThan(4);
    }

    @Test
    void batchesKeepTheirOffsetsAndProducerMetadataAndTheLastBatchOfAProducerSurvivesEmpty() {
        UnifiedLog log = open(compacted());
        long pid = 4242;
        // producer 4242 writes three batches of three records; all of its keys are rewritten later by others
        for (int i = 0; i < 3; i++) {
            log.appendAsLeader(
                    KeyedRecords.idempotent(
                            logs.clock.millis(),
                            pid,
                            (short) 3,
                            i * 3,
                            kv("p" + i + "a", "x"),
                            kv("p" + i + "b", "x"),
                            kv("keep" + i, "kept")),
                    0);
        }
        for (int i = 0; i < 3; i++) {
            log.appendAsLeader(batch(logs.clock.millis(), kv("p" + i + "a", "new"), kv("p" + i + "b", "new")), 0);
        }
        for (int i = 0; i < 3; i++) {
            log.appendAsLeader(batch(logs.clock.millis(), kv("p2keep", "z" + i)), 0);
        }
        log.roll();
        log.appendAsLeader(batch(logs.clock.millis(), kv("tail", "t")), 0);
        // batch 2 of the producer: "keep2" is its only surviving record

        assertThat(cleanOnce()).isPresent();

        List<Read> reads = KeyedRecords.readAll(log);
        List<Read> kept = reads.stream().filter(r -> r.producerId() == pid).toList();
        assertThat(kept).extracting(Read::key).containsExactly("keep0", "keep1", "keep2");
        for (int i = 0; i < 3; i++) {
            Read read = kept.get(i);
            assertThat(read.offset()).isEqualTo(i * 3L + 2);
            assertThat(read.batchBaseOffset()).isEqualTo(i * 3L);
            assertThat(read.batchLastOffset()).isEqualTo(i * 3L + 2);
            assertThat(read.producerEpoch()).isEqualTo((short) 3);
            assertThat(read.baseSequence()).isEqualTo(i * 3);
        }
        assertThat(reads)
                .filteredOn(r -> r.key().equals("p2keep"))
                .extracting(Read::value)
                .containsExactly("z2");
    }

    @Test
    void anEmptiedBatchIsDroppedUnlessItIsTheProducersLastOne() {
        UnifiedLog log = open(compacted());
        long pid = 77;
        log.appendAsLeader(KeyedRecords.idempotent(logs.clock.millis(), pid, (short) 0, 0, kv("a", "1")), 0);
        log.appendAsLeader(KeyedRecords.idempotent(logs.clock.millis(), pid, (short) 0, 1, kv("b", "1")), 0);
        log.appendAsLeader(batch(logs.clock.millis(), kv("a", "2"), kv("b", "2")), 0);
        log.roll();
        log.appendAsLeader(batch(logs.clock.millis(), kv("c", "1")), 0);

        assertThat(cleanOnce()).isPresent();

        List<Batch> batches = KeyedRecords.batchHeaders(log);
        // offset 0 (emptied, not the producer's last) is gone; offset 1 (emptied, its last) stays as an empty batch
        assertThat(batches).extracting(Batch::baseOffset).containsExactly(1L, 2L, 4L);
        Batch empty = batches.get(0);
        assertThat(empty.count()).isZero();
        assertThat(empty.producerId()).isEqualTo(pid);
        assertThat(empty.baseSequence()).isEqualTo(1);
        assertThat(KeyedRecords.readAll(log)).extracting(Read::value).containsExactly("2", "2", "1");
    }

    @Test
    void tombstonesStayUntilDeleteRetentionHasPassedThenGo() {
        UnifiedLog log = open(compacted().withDeleteRetentionMs(DAY));
        log.appendAsLeader(batch(logs.clock.millis(), kv("gone", "v1"), kv("live", "v1")), 0);
        log.appendAsLeader(batch(logs.clock.millis(), kv("gone", "v2")), 0);
        log.appendAsLeader(batch(logs.clock.millis(), kv("gone", null)), 0);
        log.roll();
        log.appendAsLeader(batch(logs.clock.millis(), kv("other", "o")), 0);

        assertThat(cleanOnce()).isPresent();
        assertThat(KeyedRecords.readAll(log))
                .extracting(Read::key, Read::value)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("live", "v1"),
                        org.assertj.core.groups.Tuple.tuple("gone", null),
                        org.assertj.core.groups.Tuple.tuple("other", "o"));

        logs.clock.advance(DAY - 1);
        assertThat(cleanOnce()).as("nothing dirty and no tombstone due").isEmpty();

        logs.clock.advance(2);
        assertThat(cleanOnce()).isPresent();
        assertThat(KeyedRecords.readAll(log)).extracting(Read::key).containsExactly("live", "other");
    }

    @Test
    void recordsYoungerThanTheMinimumCompactionLagStayUncompacted() {
        UnifiedLog log = open(compacted().withMinCompactionLagMs(60_000));
        writeUpdates(log, 5, 20);
        int before = KeyedRecords.readAll(log).size();

        assertThat(cleanOnce()).isEmpty();
        assertThat(KeyedRecords.readAll(log)).hasSize(before);

        logs.clock.advance(60_001);
        assertThat(cleanOnce()).isPresent();
        assertThat(KeyedRecords.readAll(log).size()).isLessThan(before);
    }

    @Test
    void nothingAtOrAboveTheUpperBoundIsCleaned() {
        UnifiedLog log = open(compacted());
        writeUpdates(log, 5, 40);
        List<Long> bases = log.segmentBaseOffsets();
        long bound = bases.get(2);
        cleaner.setUpperBound(tp -> bound);
        List<Read> before = KeyedRecords.readAll(log);

        Cleaner.Result result = cleanOnce().orElseThrow();

        assertThat(result.nextFirstDirtyOffset()).isEqualTo(bound);
        List<Read> after = KeyedRecords.readAll(log);
        assertThat(after.stream().filter(r -> r.offset() >= bound).toList())
                .isEqualTo(before.stream().filter(r -> r.offset() >= bound).toList());
        assertThat(after.stream().filter(r -> r.offset() < bound).count()).isEqualTo(5);

        cleaner.setUpperBound(tp -> 0L);
        assertThat(cleanOnce()).isEmpty();
    }

    @Test
    void theDirtyRatioDecidesWhetherALogIsWorthCleaning() {
        UnifiedLog log = open(compacted().withMinCleanableDirtyRatio(0.5));
        writeUpdates(log, 50, 4);
        log.roll();
        assertThat(cleanOnce()).as("everything is dirty").isPresent();
        // a little more dirt on a large clean section: below the ratio
        for (int k = 0; k < 5; k++) {
            log.appendAsLeader(batch(logs.clock.millis(), kv("k" + k, "again")), 0);
        }
        log.roll();
        assertThat(cleanOnce()).isEmpty();
        writeUpdates(log, 50, 3);
        log.roll();
        assertThat(cleanOnce()).isPresent();
        assertThat(KeyedRecords.readAll(log)).hasSize(50);
    }

    @Test
    void aLogPastTheMaximumCompactionLagIsCleanedBelowTheDirtyRatio() {
        UnifiedLog log = open(compacted().withMinCleanableDirtyRatio(1.0).withMaxCompactionLagMs(3_600_000));
        writeUpdates(log, 10, 10);
        log.appendAsLeader(batch(logs.clock.millis(), kv("distinct", "x")), 0);
        log.roll();
        log.appendAsLeader(batch(logs.clock.millis(), kv("tail", "x")), 0);
        // clean once so that part of the log is clean and the ratio is below 1
        cleaner.setUpperBound(tp -> log.segmentBaseOffsets().get(2));
        assertThat(cleanOnce()).isPresent();
        cleaner.setUpperBound(tp -> Long.MAX_VALUE);
        assertThat(cleanOnce()).isEmpty();

        logs.clock.advance(3_600_001);
        assertThat(cleanOnce()).isPresent();
        assertThat(KeyedRecords.readAll(log)).hasSize(12);
    }

    @Test
    void aLogWithoutTheCompactPolicyIsNeverCleaned() {
        UnifiedLog log = open(compacted().withCleanupPolicy(false, true));
        writeUpdates(log, 5, 40);
        assertThat(cleanOnce()).isEmpty();
    }

    @Test
    void aCompactedLogRejectsRecordsWithoutAKeyAndAppendsNothing() {
        UnifiedLog log = open(compacted());
        log.appendAsLeader(batch(logs.clock.millis(), kv("a", "1")), 0);

        assertThatThrownBy(() -> log.appendAsLeader(batch(logs.clock.millis(), kv("b", "1"), kv(null, "keyless")), 0))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("Compacted topic cannot accept message without key")
                .satisfies(e -> assertThat(Errors.forException(e)).isEqualTo(Errors.INVALID_RECORD))
                .satisfies(e -> assertThat(Errors.forException(e).code()).isEqualTo((short) 87));
        assertThat(log.logEndOffset()).isEqualTo(1);
        assertThat(KeyedRecords.readAll(log)).extracting(Read::key).containsExactly("a");
    }

    @Test
    void aLogThatIsNotCompactedAcceptsRecordsWithoutAKey() {
        UnifiedLog log = open(compacted().withCleanupPolicy(false, true));
        log.appendAsLeader(batch(logs.clock.millis(), kv(null, "keyless")), 0);
        assertThat(log.logEndOffset()).isEqualTo(1);
    }

    @Test
    void batchesLargerThanTheReadBufferAreCleanedWhole() {
        UnifiedLog log = open(compacted().withSegmentBytes(64 * 1024));
        String big = "x".repeat(6000);
        for (int round = 0; round < 30; round++) {
            log.appendAsLeader(batch(logs.clock.millis(), kv("a", big + round), kv("b", big + round)), 0);
        }
        log.roll();
        log.appendAsLeader(batch(logs.clock.millis(), kv("tail", "t")), 0);
        // the test cleaner reads 4 KiB at a time; each batch holds about 12 KB
        assertThat(cleanOnce()).isPresent();
        assertThat(KeyedRecords.readAll(log))
                .extracting(Read::key, Read::value)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("a", big + 29),
                        org.assertj.core.groups.Tuple.tuple("b", big + 29),
                        org.assertj.core.groups.Tuple.tuple("tail", "t"));
    }
}
