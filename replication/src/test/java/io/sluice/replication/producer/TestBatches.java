package io.sluice.replication.producer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;

/** Builds real v2 record batches with kafka-clients for producer-state tests. */
final class TestBatches {
    private static final int CRC_OFFSET = 17;
    private static final int ATTRIBUTES_OFFSET = 21;
    private static final int BASE_SEQUENCE_OFFSET = 53;

    private TestBatches() {}

    /** An idempotent batch of {@code count} records at {@code baseOffset}, timestamps {@code timestamp + i}. */
    static RecordBatch idempotent(
            long producerId, short epoch, int baseSequence, int count, long baseOffset, long timestamp) {
        SimpleRecord[] records = new SimpleRecord[count];
        for (int i = 0; i < count; i++) {
            records[i] = new SimpleRecord(timestamp + i, null, ("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        MemoryRecords memoryRecords = MemoryRecords.withIdempotentRecords(
                baseOffset, Compression.NONE, producerId, epoch, baseSequence, 0, records);
        return memoryRecords.batches().iterator().next();
    }

    /** An idempotent batch with timestamps starting at 1000. */
    static RecordBatch idempotent(long producerId, short epoch, int baseSequence, int count, long baseOffset) {
        return idempotent(producerId, epoch, baseSequence, count, baseOffset, 1_000L);
    }

    /**
     * An idempotent batch whose base sequence is {@code baseSequence} even where its sequences wrap past {@link
     * Integer#MAX_VALUE} (which {@code MemoryRecordsBuilder} refuses to build, while producers do send it): built at
     * sequence 0, then the v2 header's base sequence (bytes 53..56) patched and its CRC32C (bytes 17..20, over bytes
     * 21..end) recomputed.
     */
    static RecordBatch withBaseSequence(long producerId, short epoch, int baseSequence, int count, long baseOffset) {
        RecordBatch template = idempotent(producerId, epoch, 0, count, baseOffset);
        ByteBuffer buffer = ByteBuffer.allocate(template.sizeInBytes());
        template.writeTo(buffer);
        buffer.putInt(BASE_SEQUENCE_OFFSET, baseSequence);
        CRC32C crc = new CRC32C();
        crc.update(buffer.array(), ATTRIBUTES_OFFSET, buffer.limit() - ATTRIBUTES_OFFSET);
        buffer.putInt(CRC_OFFSET, (int) crc.getValue());
        buffer.flip();
        RecordBatch patched =
                MemoryRecords.readableRecords(buffer).batches().iterator().next();
        patched.ensureValid();
        return patched;
    }

    /** A batch without producer id. */
    static RecordBatch plain(long baseOffset) {
        MemoryRecords memoryRecords = MemoryRecords.withRecords(
                baseOffset, Compression.NONE, new SimpleRecord(5L, null, "x".getBytes(StandardCharsets.UTF_8)));
        return memoryRecords.batches().iterator().next();
    }
}
