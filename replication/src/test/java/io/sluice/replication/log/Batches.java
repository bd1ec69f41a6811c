package io.sluice.replication.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;

/** Builds producer batches with kafka-clients' builders and reads logs back, for tests. */
final class Batches {

    /** One record as read back from the log. */
    record Read(long offset, long timestamp, String value, int leaderEpoch) {}

    private Batches() {}

    /** A producer batch (base offset 0) of {@code count} records valued {@code prefix-i}, all at {@code ts}. */
    static MemoryRecords batch(Compression compression, long ts, int count, String prefix) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(
                ByteBuffer.allocate(1024 + count * (prefix.length() + 32)),
                RecordBatch.MAGIC_VALUE_V2,
                compression,
                TimestampType.CREATE_TIME,
                0L);
        for (int i = 0; i < count; i++) {
            builder.append(ts + i, null, (prefix + "-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return builder.build();
    }

    static MemoryRecords batch(long ts, int count, String prefix) {
        return batch(Compression.NONE, ts, count, prefix);
    }

    /** A replicated batch carrying its own offsets and epoch. */
    static MemoryRecords followerBatch(long baseOffset, int epoch, long ts, int count, String prefix) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(
                ByteBuffer.allocate(1024 + count * (prefix.length() + 32)),
                RecordBatch.MAGIC_VALUE_V2,
                Compression.NONE,
                TimestampType.CREATE_TIME,
                baseOffset,
                RecordBatch.NO_TIMESTAMP,
                RecordBatch.NO_PRODUCER_ID,
                RecordBatch.NO_PRODUCER_EPOCH,
                RecordBatch.NO_SEQUENCE,
                false,
                epoch);
        for (int i = 0; i < count; i++) {
            builder.append(ts + i, null, (prefix + "-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return builder.build();
    }

    /** Every record in {@code [from, bound)}, validating every batch, by repeated reads of {@code maxBytes}. */
    static List<Read> readAll(UnifiedLog log, long from, long bound, int maxBytes) {
        List<Read> out = new ArrayList<>();
        long next = from;
        while (next < bound) {
            LogReadInfo info = log.read(next, maxBytes, bound);
            if (info.records().isEmpty()) {
                break;
            }
            MemoryRecords records;
            try {
                records = info.records().readRecords();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            for (RecordBatch batch : records.batches()) {
                batch.ensureValid();
                for (Record record : batch) {
                    if (record.offset() >= next) {
                        out.add(new Read(
                                record.offset(), record.timestamp(), value(record), batch.partitionLeaderEpoch()));
                    }
                }
                next = batch.nextOffset();
            }
        }
        return out;
    }

    static List<Read> readAll(UnifiedLog log) {
        return readAll(log, log.logStartOffset(), log.logEndOffset(), 1 << 20);
    }

    static String value(Record record) {
        ByteBuffer value = record.value();
        byte[] bytes = new byte[value.remaining()];
        value.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
