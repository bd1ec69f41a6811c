package io.sluice.replication.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.record.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class UnifiedLogTest {

    private static final TopicPartition TP = new TopicPartition("orders-eu", 3);

    @TempDir
    Path tmp;

    @RegisterExtension
    final LogFixture logs = new LogFixture();

    private File dir() {
        return tmp.resolve("orders-eu-3").toFile();
    }

    private UnifiedLog open(LogConfig config) {
        return logs.open(dir(), TP, config, 0, true);
    }

    private static LogConfig small() {
        return LogConfig.defaults()
                .withIndexIntervalBytes(128)
                .withSegmentBytes(1024)
                .withFileDeleteDelayMs(60_000);
    }

    @Test
    void appendAndReadRoundTripPlainAndCompressed() {
        UnifiedLog log = open(LogConfig.defaults().withIndexIntervalBytes(128));
        long now = logs.clock.millis();
        LogAppendInfo first = log.appendAsLeader(Batches.batch(now, 5, "plain"), 4);
        LogAppendInfo second =
                log.appendAsLeader(Batches.batch(Compression.gzip().build(), now + 10, 7, "gz"), 5);
        assertThat(first.firstOffset()).isZero();
        assertThat(first.lastOffset()).isEqualTo(4);
        assertThat(second.firstOffset()).isEqualTo(5);
        assertThat(second.lastOffset()).isEqualTo(11);
        assertThat(second.maxTimestamp()).isEqualTo(now + 16);
        assertThat(second.offsetOfMaxTimestamp()).isEqualTo(11);
        assertThat(second.numBatches()).isEqualTo(1);
        assertThat(log.logEndOffset()).isEqualTo(12);

        List<Batches.Read> read = Batches.readAll(log);
        assertThat(read).hasSize(12);
        for (int i = 0; i < 12; i++) {
            assertThat(read.get(i).offset()).isEqualTo(i);
        }
        assertThat(read.get(0).value()).isEqualTo("plain-0");
        assertThat(read.get(0).leaderEpoch()).isEqualTo(4);
        assertThat(read.get(11).value()).isEqualTo("gz-6");
        assertThat(read.get(11).leaderEpoch()).isEqualTo(5);
        assertThat(read.get(11).timestamp()).isEqualTo(now + 16);
    }

    @Test
    void readReturnsWholeBatchesBelowTheBoundAndAtLeastOneBatch() throws Exception {
        UnifiedLog log = open(LogConfig.defaults().withIndexIntervalBytes(100));
        List<Integer> sizes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            MemoryRecords batch = Batches.batch(logs.clock.millis(), 10, "r" + i);
            sizes.add(batch.sizeInBytes());
            log.appendAsLeader(batch, 0);
        }
        // maxBytes smaller than one batch: still exactly one whole batch
        LogReadInfo one = log.read(35, 1, 200);
        assertThat(one.records().length()).isEqualTo(sizes.get(3));
        assertThat(one.logStartOffset()).isZero();
        assertThat(one.logEndOffset()).isEqualTo(200);
        RecordBatch onlyBatch = one.records().readRecords().firstBatch();
        assertThat(onlyBatch.baseOffset()).isEqualTo(30);
        // a bound mid-log (high watermark 100): batches 0..9 only
        LogReadInfo bounded = log.read(0, Integer.MAX_VALUE, 100);
        long last = -1;
        for (RecordBatch batch : bounded.records().readRecords().batches()) {
            last = batch.lastOffset();
        }
        assertThat(last).isEqualTo(99);
        // maxBytes exactly two batches
        LogReadInfo two = log.read(50, sizes.get(5) + sizes.get(6), 200);
        assertThat(two.records().length()).isEqualTo(sizes.get(5) + sizes.get(6));
        // start == bound: empty, not an error, also between HW and LEO
        assertThat(log.read(100, 1000, 100).records().isEmpty()).isTrue();
        assertThat(log.read(150, 1000, 100).records().isEmpty()).isTrue();
        assertThat(log.read(200, 1000, 200).records().isEmpty()).isTrue();
        assertThatThrownBy(() -> log.read(201, 1000, 300)).isInstanceOf(OffsetOutOfRangeException.class);
        assertThatThrownBy(() -> log.read(-1, 1000, 300)).isInstanceOf(OffsetOutOfRangeException.class);
    }

    @Test
    void rollsBySizeAndReadsAcrossSegments() {
        UnifiedLog log = open(small());
        for (int i = 0; i < 60; i++) {
            log.appendAsLeader(Batches.batch(logs.clock.millis(), 5, "s" + i), 1);
        }
        assertThat(log.numberOfSegments()).isGreaterThan(3);
        List<Long> bases = log.segmentBaseOffsets();
        for (long base : bases) {
            assertThat(new File(dir(), LogSegment.fileName(base, ".log"))).exists();
            assertThat(new File(dir(), LogSegment.fileName(base, ".index"))).exists();
            assertThat(new File(dir(), LogSegment.fileName(base, ".timeindex"))).exists();
            assertThat(new File(dir(), LogSegment.fileName(base, ".log")).length())
                    .isLessThanOrEqualTo(1024);
        }
        List<Batches.Read> all = Batches.readAll(log, 0, 300, 700);
        assertThat(all).extracting(Batches.Read::offset).containsExactlyElementsOf(range(0, 300));
        // a read that starts exactly at a segment boundary and one at the last offset of a segment
        long boundary = bases.get(2);
        assertThat(Batches.readAll(log, boundary, boundary + 5, 1 << 20))
                .first()
                .extracting(Batches.Read::offset)
                .isEqualTo(boundary);
        assertThat(Batches.readAll(log, boundary - 1, boundary, 1 << 20))
                .extracting(Batches.Read::offset)
                .containsExactly(boundary - 1);
    }

    @Test
    void rollsByTimeWithTheInjectedClock() {
        UnifiedLog log = open(LogConfig.defaults().withSegmentMs(60_000));
        log.appendAsLeader(Batches.batch(logs.clock.millis(), 1, "t"), 0);
        logs.clock.advance(30_000);
        log.appendAsLeader(Batches.batch(logs.clock.millis(), 1, "t"), 0);
        assertThat(log.numberOfSegments()).isEqualTo(1);
        logs.clock.advance(31_000);
        log.appendAsLeader(Batches.batch(logs.clock.millis(), 1, "t"), 0);
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 2L);
        // an explicit roll of an empty active segment is a no-op
        assertThat(log.roll()).isEqualTo(3L);
        assertThat(log.roll()).isEqualTo(3L);
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 2L, 3L);
    }

    @Test
    void oldProducerTimestampsDoNotRollEveryAppend() {
        UnifiedLog log = open(LogConfig.defaults().withSegmentMs(60_000));
        long ancient = 1_000L; // a producer whose clock is decades behind
        for (int i = 0; i < 20; i++) {
            log.appendAsLeader(Batches.batch(ancient + i * 1_000L, 1, "old"), 0);
        }
        assertThat(log.numberOfSegments()).isEqualTo(1);
        log.appendAsLeader(Batches.batch(ancient + 61_000L + 1, 1, "old"), 0);
        assertThat(log.numberOfSegments()).isEqualTo(2);
    }

    @Test
    void offsetForTimestampAndMaxTimestamp() {
        UnifiedLog log = open(small());
        long base = logs.clock.millis();
        for (int i = 0; i < 50; i++) {
            log.appendAsLeader(Batches.batch(base + i * 100L, 4, "ts"), 2);
        }
        // record i of batch b has timestamp base + 100 b + i and offset 4 b + i
        Optional<TimestampAndOffset> exact = log.offsetForTimestamp(base + 2_002);
        assertThat(exact).isPresent();
        assertThat(exact.get().offset).isEqualTo(82);
        assertThat(exact.get().timestamp).isEqualTo(base + 2_002);
        assertThat(exact.get().leaderEpoch).contains(2);
        Optional<TimestampAndOffset> between = log.offsetForTimestamp(base + 2_050);
        assertThat(between.get().offset).isEqualTo(84);
        assertThat(log.offsetForTimestamp(base - 1).get().offset).isZero();
        assertThat(log.offsetForTimestamp(base + 10_000)).isEmpty();
        TimestampAndOffset max = log.maxTimestampAndOffset().orElseThrow();
        assertThat(max.timestamp).isEqualTo(base + 4_903);
        assertThat(max.offset).isEqualTo(199);
    }

    @Test
    void batchesFromIteratesHeadersAcrossSegments() {
        UnifiedLog log = open(small());
        for (int i = 0; i < 40; i++) {
            log.appendAsLeader(Batches.batch(logs.clock.millis(), 5, "b"), i / 10);
        }
        List<BatchHeader> headers = new ArrayList<>();
        log.batchesFrom(37).forEach(headers::add);
        assertThat(headers.get(0).baseOffset()).isEqualTo(35);
        assertThat(headers)
                .extracting(BatchHeader::baseOffset)
                .containsExactlyElementsOf(range(7, 40).stream().map(i -> i * 5).toList());
        assertThat(headers.get(headers.size() - 1).partitionLeaderEpoch()).isEqualTo(3);
        assertThat(headers.get(0).recordCount()).isEqualTo(5);
        assertThat(log.batchesFrom(200)).isEmpty();
    }

    @Test
    void truncateToRemovesTailSegmentsAndIndexEntries() {
        UnifiedLog log = open(small());
        for (int i = 0; i < 60; i++) {
            log.appendAsLeader(Batches.batch(logs.clock.millis(), 5, "v" + i), 1);
        }
        int segmentsBefore = log.numberOfSegments();
        assertThat(log.truncateTo(301)).isFalse();
        assertThat(log.truncateTo(102)).isTrue(); // mid-batch: the whole batch 100..104 goes
        assertThat(log.logEndOffset()).isEqualTo(100);
        assertThat(log.numberOfSegments()).isLessThan(segmentsBefore);
        assertThat(Batches.readAll(log)).extracting(Batches.Read::offset).containsExactlyElementsOf(range(0, 100));
        // appends continue at the new end, with the rebuilt index
        log.appendAsLeader(Batches.batch(logs.clock.millis(), 5, "after"), 2);
        List<Batches.Read> tail = Batches.readAll(log, 98, 105, 1 << 20);
        assertThat(tail).extracting(Batches.Read::offset).containsExactly(98L, 99L, 100L, 101L, 102L, 103L, 104L);
        assertThat(tail.get(2).value()).isEqualTo("after-0");
        assertThat(log.recoveryPoint()).isLessThanOrEqualTo(100);
    }

    @Test
    void truncateFullyRestartsTheLogAtAnOffset() {
        UnifiedLog log = open(small());
        for (int i = 0; i < 30; i++) {
            log.appendAsLeader(Batches.batch(logs.clock.millis(), 5, "w"), 1);
        }
        log.truncateFullyAndStartAt(1_000);
        assertThat(log.logStartOffset()).isEqualTo(1_000);
        assertThat(log.logEndOffset()).isEqualTo(1_000);
        assertThat(log.segmentBaseOffsets()).containsExactly(1_000L);
        assertThatThrownBy(() -> log.read(10, 100, 2_000)).isInstanceOf(OffsetOutOfRangeException.class);
        log.appendAsFollower(Batches.followerBatch(1_000, 9, logs.clock.millis(), 3, "f"));
        assertThat(Batches.readAll(log)).extracting(Batches.Read::offset).containsExactly(1_000L, 1_001L, 1_002L);
        log.truncateFullyAndStartAt(1_000); // same base offset as the live segment
        assertThat(log.logEndOffset()).isEqualTo(1_000);
        assertThat(Batches.readAll(log)).isEmpty();
    }

    @Test
    void followerAppendKeepsOffsetsAndRejectsGoingBackwards() {
        UnifiedLog log = open(small());
        log.appendAsFollower(Batches.followerBatch(0, 3, logs.clock.millis(), 4, "f"));
        assertThatThrownBy(() -> log.appendAsFollower(Batches.followerBatch(2, 3, logs.clock.millis(), 4, "f")))
                .isInstanceOf(OffsetsOutOfOrderException.class);
        assertThat(log.logEndOffset()).isEqualTo(4);
        LogAppendInfo info = log.appendAsFollower(Batches.followerBatch(4, 4, logs.clock.millis(), 2, "g"));
        assertThat(info.firstOffset()).isEqualTo(4);
        assertThat(Batches.readAll(log).get(5).leaderEpoch()).isEqualTo(4);
    }

    @Test
    void retentionByTimeNeverDeletesTheActiveSegment() {
        UnifiedLog log = open(small().withRetentionMs(3_600_000));
        for (int i = 0; i < 40; i++) {
            log.appendAsLeader(Batches.batch(logs.clock.millis(), 5, "old"), 0);
        }
        int segments = log.numberOfSegments();
        assertThat(log.deleteOldSegments()).isZero();
        assertThat(segments).isGreaterThan(2);
        logs.clock.advance(3_600_100);
        int deleted = log.deleteOldSegments();
        assertThat(deleted).isEqualTo(segments - 1);
        assertThat(log.numberOfSegments()).isEqualTo(1);
        assertThat(log.logStartOffset()).isEqualTo(log.segmentBaseOffsets().get(0));
        assertThat(new File(dir(), LogSegment.fileName(0, ".log.deleted"))).exists();
        assertThat(new File(dir(), LogSegment.fileName(0, ".log"))).doesNotExist();
    }

    @Test
    void retentionByBytesAndByLogStartOffset() {
        UnifiedLog log = open(small().withRetentionBytes(3_000));
        for (int i = 0; i < 60; i++) {
            log.appendAsLeader(Batches.batch(logs.clock.millis(), 5, "b" + i), 0);
        }
        long before = log.size();
        int deleted = log.deleteOldSegments();
        assertThat(deleted).isPositive();
        assertThat(log.size()).isLessThanOrEqualTo(before);
        assertThat(log.size()).isGreaterThanOrEqualTo(3_000 - 1_024);
        assertThat(log.logStartOffset()).isEqualTo(log.segmentBaseOffsets().get(0));
        assertThat(log.deleteOldSegments()).isZero();

        log.updateConfig(log.config().withRetentionBytes(-1));
        long target = log.segmentBaseOffsets().get(1) + 1;
        assertThat(log.maybeIncrementLogStartOffset(target)).isTrue();
        assertThatThrownBy(() -> log.read(target - 1, 100, 1_000)).isInstanceOf(OffsetOutOfRangeException.class);
        assertThat(log.deleteOldSegments()).isEqualTo(1);
        assertThat(log.logStartOffset()).isEqualTo(target);
        assertThat(Batches.readAll(log).get(0).offset()).isEqualTo(target);
    }

    @Test
    void sliceStaysReadableWhileItsSegmentIsDeleted() throws Exception {
        UnifiedLog log = open(small().withRetentionBytes(0));
        for (int i = 0; i < 30; i++) {
            log.appendAsLeader(Batches.batch(logs.clock.millis(), 5, "keep"), 0);
        }
        LogReadInfo slice = log.read(0, 1 << 20, log.logEndOffset());
        assertThat(log.deleteOldSegments()).isPositive();
        MemoryRecords stillThere = slice.records().readRecords();
        assertThat(stillThere.sizeInBytes()).isEqualTo(slice.records().length());
        stillThere.batches().forEach(RecordBatch::ensureValid);
    }

    @Test
    void flushMessagesAdvancesTheRecoveryPoint() {
        UnifiedLog log = open(small().withFlushMessages(10));
        log.appendAsLeader(Batches.batch(logs.clock.millis(), 5, "a"), 0);
        assertThat(log.recoveryPoint()).isZero();
        log.appendAsLeader(Batches.batch(logs.clock.millis(), 5, "a"), 0);
        assertThat(log.recoveryPoint()).isEqualTo(10);
        log.appendAsLeader(Batches.batch(logs.clock.millis(), 5, "a"), 0);
        assertThat(log.recoveryPoint()).isEqualTo(10);
        log.flush();
        assertThat(log.recoveryPoint()).isEqualTo(15);
    }

    @Test
    void reopenAfterCloseKeepsEverything() {
        UnifiedLog log = open(small());
        for (int i = 0; i < 50; i++) {
            log.appendAsLeader(Batches.batch(logs.clock.millis() + i, 3, "p" + i), 0);
        }
        List<Batches.Read> before = Batches.readAll(log);
        log.close();
        UnifiedLog reopened = open(small());
        assertThat(reopened.logEndOffset()).isEqualTo(150);
        assertThat(Batches.readAll(reopened)).isEqualTo(before);
        reopened.appendAsLeader(Batches.batch(logs.clock.millis(), 3, "more"), 0);
        assertThat(reopened.logEndOffset()).isEqualTo(153);
    }

    static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long i = from; i < to; i++) {
            out.add(i);
        }
        return out;
    }

    @Test
    void followerAppendsWithOffsetGapsStayInOneSegment() {
        // batches from a compacted leader: offsets 3..5 and 9..10 were removed by its cleaner
        UnifiedLog log = open(small());
        log.appendAsFollower(Batches.followerBatch(0, 1, logs.clock.millis(), 3, "a"));
        log.appendAsFollower(Batches.followerBatch(6, 1, logs.clock.millis(), 3, "b"));
        log.appendAsFollower(Batches.followerBatch(11, 1, logs.clock.millis(), 1, "c"));

        assertThat(log.numberOfSegments()).isEqualTo(1);
        assertThat(log.logEndOffset()).isEqualTo(12);
        assertThat(Batches.readAll(log)).extracting(Batches.Read::offset).containsExactly(0L, 1L, 2L, 6L, 7L, 8L, 11L);
        assertThat(Batches.readAll(log, 4, 12, 1 << 20))
                .extracting(Batches.Read::offset)
                .containsExactly(6L, 7L, 8L, 11L);
    }

    @Test
    void aFollowerChunkLargerThanSegmentBytesIsAppendedAcrossSegments() {
        // a leader whose segments are larger (e.g. written before segment.bytes was lowered) sends a 10-batch chunk
        ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        for (int b = 0; b < 10; b++) {
            chunk.put(Batches.followerBatch(b * 5L, 2, logs.clock.millis(), 5, "chunk-" + b + "-padding-padding")
                    .buffer());
        }
        chunk.flip();
        MemoryRecords records = MemoryRecords.readableRecords(chunk);
        UnifiedLog log = open(small());
        assertThat(records.sizeInBytes()).isGreaterThan(small().segmentBytes());

        LogAppendInfo info = log.appendAsFollower(records);

        assertThat(info.firstOffset()).isZero();
        assertThat(info.lastOffset()).isEqualTo(49);
        assertThat(info.numBatches()).isEqualTo(10);
        assertThat(info.validBytes()).isEqualTo(records.sizeInBytes());
        assertThat(log.logEndOffset()).isEqualTo(50);
        assertThat(log.numberOfSegments()).isGreaterThan(1);
        assertThat(Batches.readAll(log)).extracting(Batches.Read::offset).containsExactlyElementsOf(range(0, 50));
    }

    @Test
    void aFollowerRollsWhereTheLeaderRolledWhateverItsFetchChunks() {
        List<MemoryRecords> batches = new ArrayList<>();
        for (int b = 0; b < 24; b++) {
            batches.add(Batches.followerBatch(b * 3L, 2, logs.clock.millis(), 3, "batch-" + b + "-padding"));
        }
        UnifiedLog leader = open(small());
        for (MemoryRecords batch : batches) {
            leader.appendAsLeader(batch, 2); // one batch per produce request
        }
        UnifiedLog follower =
                logs.open(tmp.resolve("follower").resolve("orders-eu-3").toFile(), TP, small(), 0, true);
        for (int from = 0; from < batches.size(); from += 5) { // fetched five batches at a time
            ByteBuffer chunk = ByteBuffer.allocate(16 * 1024);
            for (MemoryRecords batch : batches.subList(from, Math.min(from + 5, batches.size()))) {
                chunk.put(batch.buffer().duplicate());
            }
            chunk.flip();
            follower.appendAsFollower(MemoryRecords.readableRecords(chunk));
        }

        assertThat(leader.numberOfSegments()).isGreaterThan(3);
        assertThat(follower.logEndOffset()).isEqualTo(leader.logEndOffset()).isEqualTo(72);
        assertThat(follower.segmentBaseOffsets()).isEqualTo(leader.segmentBaseOffsets());
    }
}
