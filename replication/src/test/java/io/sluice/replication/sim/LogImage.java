package io.sluice.replication.sim;

import io.sluice.replication.log.FileSlice;
import io.sluice.replication.log.LogReadInfo;
import io.sluice.replication.log.UnifiedLog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;

/**
 * A replica's log as the checker sees it: every record's offset, value and batch leader epoch, and the raw batch
 * bytes (for the byte-identity check), read through {@link UnifiedLog#read}.
 *
 * @param entries the records from the log start, in offset order
 * @param bytes the log's batches, byte for byte
 */
record LogImage(List<Entry> entries, byte[] bytes, long logEndOffset) {
    /** One record. */
    record Entry(long offset, String value, int leaderEpoch) {}

    static LogImage read(UnifiedLog log) {
        List<Entry> entries = new ArrayList<>();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long end = log.logEndOffset();
        long offset = log.logStartOffset();
        try {
            while (offset < end) {
                LogReadInfo info = log.read(offset, 1024 * 1024, end);
                FileSlice slice = info.records();
                if (slice.isEmpty()) {
                    break;
                }
                MemoryRecords records = slice.readRecords();
                long next = offset;
                for (MutableRecordBatch batch : records.batches()) {
                    ByteBuffer copy = ByteBuffer.allocate(batch.sizeInBytes());
                    batch.writeTo(copy);
                    bytes.write(copy.array(), 0, copy.position());
                    for (Record r : batch) {
                        entries.add(new Entry(r.offset(), value(r), batch.partitionLeaderEpoch()));
                    }
                    next = batch.nextOffset();
                }
                if (next <= offset) {
                    break;
                }
                offset = next;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new LogImage(entries, bytes.toByteArray(), end);
    }

    /** The value of the record at {@code offset}, or null if this log has no such record. */
    String valueAt(long offset) {
        int lo = 0;
        int hi = entries.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long o = entries.get(mid).offset();
            if (o == offset) {
                return entries.get(mid).value();
            } else if (o < offset) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return null;
    }

    static String value(Record r) {
        ByteBuffer v = r.value();
        return v == null ? "<null>" : StandardCharsets.UTF_8.decode(v).toString();
    }
}
