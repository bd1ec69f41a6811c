package io.sluice.replication.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** One appender (with rolls and retention) and several lock-free readers on the same log. */
@Timeout(120)
class LogConcurrencyTest {

    private static final int READERS = 3;
    private static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(3);

    @TempDir
    Path tmp;

    /** A batch whose record values name the offsets the leader will assign. */
    private static MemoryRecords batchFor(long firstOffset, int count, Compression compression) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(
                ByteBuffer.allocate(256 + count * 64),
                RecordBatch.MAGIC_VALUE_V2,
                compression,
                TimestampType.CREATE_TIME,
                0L);
        for (int i = 0; i < count; i++) {
            builder.append(1_000L + firstOffset + i, null, ("o" + (firstOffset + i)).getBytes(StandardCharsets.UTF_8));
        }
        return builder.build();
    }

    @Test
    void readersSeeWholeValidContiguousBatchesWhileOneWriterAppends() throws Exception {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
        LogConfig config = LogConfig.defaults()
                .withSegmentBytes(64 * 1024)
                .withIndexIntervalBytes(512)
                .withRetentionBytes(512 * 1024);
        UnifiedLog log = UnifiedLog.load(
                tmp.resolve("c-0").toFile(),
                new TopicPartition("c", 0),
                config,
                0,
                0,
                true,
                Clock.systemUTC(),
                scheduler);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong reads = new AtomicLong();
        AtomicLong batchesChecked = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(READERS + 1);
        try {
            Future<Long> writer = pool.submit(() -> {
                SplittableRandom random = new SplittableRandom(7);
                long deadline = System.nanoTime() + RUN_NANOS;
                long appends = 0;
                while (System.nanoTime() < deadline) {
                    long next = log.logEndOffset();
                    Compression compression =
                            random.nextInt(4) == 0 ? Compression.gzip().build() : Compression.NONE;
                    LogAppendInfo info = log.appendAsLeader(batchFor(next, 1 + random.nextInt(20), compression), 1);
                    assertThat(info.firstOffset()).isEqualTo(next);
                    if (++appends % 200 == 0) {
                        log.deleteOldSegments();
                    }
                }
                stop.set(true);
                return appends;
            });
            List<Future<?>> readers = new ArrayList<>();
            for (int r = 0; r < READERS; r++) {
                int seed = r;
                readers.add(pool.submit(() -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    while (!stop.get()) {
                        long start = log.logStartOffset();
                        long end = log.logEndOffset();
                        long from = start + (end > start ? random.nextLong(end - start + 1) : 0);
                        long bound = random.nextBoolean() ? end : from + random.nextLong(end - from + 1);
                        LogReadInfo info;
                        try {
                            info = log.read(from, 1 + random.nextInt(64 * 1024), bound);
                        } catch (OffsetOutOfRangeException e) {
                            assertThat(log.logStartOffset()).isGreaterThan(from); // raced with retention
                            continue;
                        }
                        batchesChecked.addAndGet(checkSlice(info, from, bound));
                        reads.incrementAndGet();
                    }
                    return null;
                }));
            }
            long appends = writer.get(60, TimeUnit.SECONDS);
            for (Future<?> reader : readers) {
                reader.get(60, TimeUnit.SECONDS);
            }
            assertThat(appends).isGreaterThan(100);
            assertThat(reads.get()).isGreaterThan(100);
            assertThat(batchesChecked.get()).isGreaterThan(100);
            // The record timestamps are decades old, so every retention pass deletes all inactive segments: the
            // log start moving proves the readers raced with rolls and deletions (the segment count at the end
            // depends on whether a roll followed the last retention pass).
            assertThat(log.logStartOffset()).isGreaterThan(0);
        } finally {
            stop.set(true);
            pool.shutdownNow();
            pool.awaitTermination(30, TimeUnit.SECONDS);
            log.close();
            scheduler.shutdownNow();
            scheduler.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    private static long checkSlice(LogReadInfo info, long from, long bound) throws Exception {
        FileSlice slice = info.records();
        MemoryRecords records = slice.readRecords();
        assertThat(records.sizeInBytes()).isEqualTo(slice.length());
        if (from >= bound) {
            assertThat(slice.length()).isZero();
            return 0;
        }
        long expectedNext = -1;
        long batches = 0;
        int bytes = 0;
        for (RecordBatch batch : records.batches()) {
            batch.ensureValid();
            if (expectedNext < 0) {
                assertThat(batch.baseOffset()).isLessThanOrEqualTo(from);
                assertThat(batch.lastOffset()).isGreaterThanOrEqualTo(from);
            } else {
                assertThat(batch.baseOffset()).isEqualTo(expectedNext);
            }
            assertThat(batch.lastOffset()).isLessThan(bound);
            long offset = batch.baseOffset();
            for (Record record : batch) {
                assertThat(record.offset()).isEqualTo(offset);
                assertThat(Batches.value(record)).isEqualTo("o" + offset);
                offset++;
            }
            assertThat(offset).isEqualTo(batch.nextOffset());
            expectedNext = batch.nextOffset();
            bytes += batch.sizeInBytes();
            batches++;
        }
        assertThat(bytes).isEqualTo(slice.length());
        return batches;
    }
}
