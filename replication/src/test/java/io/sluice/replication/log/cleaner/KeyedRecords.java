package io.sluice.replication.log.cleaner;

import io.sluice.replication.log.LogReadInfo;
import io.sluice.replication.log.UnifiedLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;

/** Keyed batches for compaction tests and a reader that returns what a consumer reading the log would see. */
final class KeyedRecords {

    /** A key and value (null value = tombstone). */
    record KeyValue(String key, String value) {}

    /** One record as read back, with its batch's producer metadata. */
    record Read(
            long offset,
            String key,
            String value,
            long batchBaseOffset,
            long batchLastOffset,
            long producerId,
            short producerEpoch,
            int baseSequence) {}

    /** A batch header as read back (also for empty batches). */
    record Batch(long baseOffset, long lastOffset, int count, long producerId, short producerEpoch, int baseSequence) {}

    private KeyedRecords() {}

    static KeyValue kv(String key, String value) {
        return new KeyValue(key, value);
    }

    /** A plain producer batch. */
    static MemoryRecords batch(long ts, List<KeyValue> records) {
        return build(ts, records, RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE);
    }

    static MemoryRecords batch(long ts, KeyValue... records) {
        return batch(ts, List.of(records));
    }

    /** An idempotent producer batch. */
    static MemoryRecords idempotent(long ts, long producerId, short epoch, int baseSequence, KeyValue... records) {
        return build(ts, List.of(records), producerId, epoch, baseSequence);
    }

    private static MemoryRecords build(
            long ts, List<KeyValue> records, long producerId, short epoch, int baseSequence) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(
                ByteBuffer.allocate(256 + records.size() * 64),
                RecordBatch.MAGIC_VALUE_V2,
                Compression.NONE,
                TimestampType.CREATE_TIME,
                0L,
                RecordBatch.NO_TIMESTAMP,
                producerId,
                epoch,
                baseSequence,
                false,
                RecordBatch.NO_PARTITION_LEADER_EPOCH);
        for (KeyValue kv : records) {
            builder.append(ts, bytes(kv.key()), kv.value() == null ? null : bytes(kv.value()));
        }
        return builder.build();
    }

    private static byte[] bytes(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    /** Every record of the log, validating every batch. */
    static List<Read> readAll(UnifiedLog log) {
        List<Read> out = new ArrayList<>();
        for (RecordBatch batch : batches(log)) {
            for (Record record : batch) {
                out.add(new Read(
                        record.offset(),
                        string(record.key()),
                        string(record.value()),
                        batch.baseOffset(),
                        batch.lastOffset(),
                        batch.producerId(),
                        batch.producerEpoch(),
                        batch.baseSequence()));
            }
        }
        return out;
    }

    /** Every batch header of the log, empty batches included. */
    static List<Batch> batchHeaders(UnifiedLog log) {
        List<Batch> out = new ArrayList<>();
        for (RecordBatch batch : batches(log)) {
            out.add(new Batch(
                    batch.baseOffset(),
                    batch.lastOffset(),
                    batch.countOrNull(),
                    batch.producerId(),
                    batch.producerEpoch(),
                    batch.baseSequence()));
        }
        return out;
    }

    private static List<RecordBatch> batches(UnifiedLog log) {
        List<RecordBatch> out = new ArrayList<>();
        long next = log.logStartOffset();
        long end = log.logEndOffset();
        while (next < end) {
            LogReadInfo info = log.read(next, 1 << 20, end);
            if (info.records().isEmpty()) {
                break;
            }
            try {
                for (RecordBatch batch : info.records().readRecords().batches()) {
                    batch.ensureValid();
                    if (batch.lastOffset() >= next) {
                        out.add(batch);
                    }
                    next = batch.nextOffset();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    /** The value a consumer reading from the start ends with, per key (tombstones remove the key). */
    static Map<String, String> finalValues(List<Read> reads) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Read read : reads) {
            if (read.value() == null) {
                values.remove(read.key());
            } else {
                values.put(read.key(), read.value());
            }
        }
        return values;
    }

    private static String string(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
