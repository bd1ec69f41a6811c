package io.sluice.replication.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedForMessageFormatException;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.utils.Crc32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class BatchValidatorTest {

    private static MemoryRecords concat(MemoryRecords... parts) {
        int size = 0;
        for (MemoryRecords part : parts) {
            size += part.sizeInBytes();
        }
        ByteBuffer buffer = ByteBuffer.allocate(size);
        for (MemoryRecords part : parts) {
            buffer.put(part.buffer());
        }
        buffer.flip();
        return MemoryRecords.readableRecords(buffer);
    }

    @Test
    void leaderAssignmentRewritesBaseOffsetAndEpochInPlaceKeepingTheCrc() {
        MemoryRecords records = concat(
                Batches.batch(1_000, 3, "a"), Batches.batch(Compression.gzip().build(), 2_000, 4, "b"));
        byte[] before = new byte[records.sizeInBytes()];
        records.buffer().get(before);

        BatchValidator.ValidatedBatches validated = BatchValidator.validateAndAssign(records, 500, 7, 1 << 20);

        assertThat(validated.headers()).hasSize(2);
        assertThat(validated.first().baseOffset()).isEqualTo(500);
        assertThat(validated.last().baseOffset()).isEqualTo(503);
        assertThat(validated.last().lastOffset()).isEqualTo(506);
        int i = 0;
        for (RecordBatch batch : records.batches()) {
            batch.ensureValid();
            assertThat(batch.partitionLeaderEpoch()).isEqualTo(7);
            assertThat(batch.maxTimestamp()).isEqualTo(i == 0 ? 1_002 : 2_003);
            i++;
        }
        byte[] after = new byte[records.sizeInBytes()];
        records.buffer().get(after);
        // only base offset (0-7) and partition leader epoch (12-15) of each batch changed
        int second = (int) validated.last().position();
        assertThat(second).isPositive();
        for (int b = 0; b < before.length; b++) {
            int rel = b < second ? b : b - second;
            boolean mutable = rel < 8 || (rel >= 12 && rel < 16);
            if (!mutable) {
                assertThat(after[b]).as("byte %d", b).isEqualTo(before[b]);
            }
        }
    }

    @Test
    void flippedCrcByteIsCorrupt() {
        MemoryRecords records = Batches.batch(1_000, 5, "x");
        int at = records.sizeInBytes() - 3;
        MemoryRecords damaged = MemoryRecords.readableRecords(patched(records, at));
        assertThatThrownBy(() -> BatchValidator.validateAndAssign(damaged, 0, 0, 1 << 20))
                .isInstanceOf(CorruptRecordException.class);
    }

    private static ByteBuffer patched(MemoryRecords records, int at) {
        ByteBuffer copy = ByteBuffer.allocate(records.sizeInBytes());
        copy.put(records.buffer()).flip();
        copy.put(at, (byte) (copy.get(at) ^ 0x55));
        return copy;
    }

    @Test
    void trailingPartialBatchIsCorrupt() {
        MemoryRecords whole = concat(Batches.batch(1_000, 2, "p"), Batches.batch(1_000, 2, "q"));
        ByteBuffer cut = whole.buffer();
        cut.limit(cut.limit() - 10);
        assertThatThrownBy(() ->
                        BatchValidator.validateAndAssign(MemoryRecords.readableRecords(cut.slice()), 0, 0, 1 << 20))
                .isInstanceOf(CorruptRecordException.class);
    }

    @Test
    void oversizeBatchIsRecordTooLarge() {
        MemoryRecords records = Batches.batch(1_000, 50, "large-value-padding");
        assertThatThrownBy(() -> BatchValidator.validateAndAssign(records, 0, 0, records.sizeInBytes() - 1))
                .isInstanceOf(RecordTooLargeException.class);
        assertThat(BatchValidator.validateAndAssign(records, 0, 0, records.sizeInBytes())
                        .headers())
                .hasSize(1);
    }

    @Test
    void oldMagicIsUnsupported() {
        MemoryRecords v1 = MemoryRecords.withRecords(
                RecordBatch.MAGIC_VALUE_V1,
                0L,
                Compression.NONE,
                new SimpleRecord(1L, "k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8)));
        assertThatThrownBy(() -> BatchValidator.validateAndAssign(v1, 0, 0, 1 << 20))
                .isInstanceOf(UnsupportedForMessageFormatException.class);
    }

    @Test
    void leaderRejectsBatchWhoseRecordCountDisagreesWithItsOffsets() {
        MemoryRecords records = Batches.batch(1_000, 3, "c");
        ByteBuffer copy = ByteBuffer.allocate(records.sizeInBytes());
        copy.put(records.buffer()).flip();
        copy.putInt(57, 9); // record count, covered by the CRC: first a corrupt batch
        assertThatThrownBy(() -> BatchValidator.validateAndAssign(
                        MemoryRecords.readableRecords(copy.duplicate()), 0, 0, 1 << 20))
                .isInstanceOf(CorruptRecordException.class);
        // with a matching CRC the count/offset disagreement itself is rejected
        copy.putInt(17, (int) Crc32C.compute(copy, 21, copy.limit() - 21));
        assertThatThrownBy(() -> BatchValidator.validateAndAssign(
                        MemoryRecords.readableRecords(copy.duplicate()), 0, 0, 1 << 20))
                .isInstanceOf(InvalidRecordException.class);
    }

    @Test
    void followerKeepsOffsetsAndRejectsOffsetsBelowTheLogEndOrGoingBackwards() {
        MemoryRecords replicated =
                concat(Batches.followerBatch(10, 3, 1_000, 2, "f"), Batches.followerBatch(12, 4, 1_000, 3, "g"));
        BatchValidator.ValidatedBatches ok = BatchValidator.validateFollower(replicated, 10, 1 << 20);
        assertThat(ok.first().baseOffset()).isEqualTo(10);
        assertThat(ok.first().partitionLeaderEpoch()).isEqualTo(3);
        assertThat(ok.last().lastOffset()).isEqualTo(14);

        assertThatThrownBy(() -> BatchValidator.validateFollower(Batches.followerBatch(9, 3, 1, 1, "h"), 10, 1 << 20))
                .isInstanceOf(OffsetsOutOfOrderException.class);
        MemoryRecords backwards =
                concat(Batches.followerBatch(20, 3, 1_000, 2, "f"), Batches.followerBatch(21, 4, 1_000, 3, "g"));
        assertThatThrownBy(() -> BatchValidator.validateFollower(backwards, 10, 1 << 20))
                .isInstanceOf(OffsetsOutOfOrderException.class);
    }
}
