package io.sluice.replication.partition;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;

/** Producer-side record batches for replication tests. */
final class TestRecords {
    private TestRecords() {}

    /** A plain batch of one record per value, timestamps {@code timestamp}, {@code timestamp + 1}, ... */
    static MemoryRecords plain(long timestamp, String... values) {
        return MemoryRecords.withRecords(0L, Compression.NONE, simple(timestamp, values));
    }

    static MemoryRecords plain(String... values) {
        return plain(1_000L, values);
    }

    /** An idempotent batch of one record per value. */
    static MemoryRecords idempotent(long producerId, short epoch, int baseSequence, String... values) {
        return MemoryRecords.withIdempotentRecords(
                0L, Compression.NONE, producerId, epoch, baseSequence, -1, simple(1_000L, values));
    }

    /** A transactional batch of one record per value. */
    static MemoryRecords transactional(long producerId, short epoch, int baseSequence, String... values) {
        return MemoryRecords.withTransactionalRecords(
                0L, Compression.NONE, producerId, epoch, baseSequence, -1, simple(1_000L, values));
    }

    private static SimpleRecord[] simple(long timestamp, String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(timestamp + i, null, values[i].getBytes(StandardCharsets.UTF_8));
        }
        return records;
    }
}
