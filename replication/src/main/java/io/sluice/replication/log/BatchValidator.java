package io.sluice.replication.log;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedForMessageFormatException;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;

/**
 * Validates the record batches of one append and assigns offsets in place.
 *
 * <p>Checks, per batch: magic 2 ({@code UNSUPPORTED_FOR_MESSAGE_FORMAT} otherwise), the whole request made of whole
 * batches and each batch's CRC ({@link CorruptRecordException}), size at most {@code max.message.bytes}
 * ({@link RecordTooLargeException}), a sane record count and offset delta ({@link InvalidRecordException}); for a compacted log, leader appends
 * must carry a key on every record ({@link InvalidRecordException}, Kafka's "Compacted topic cannot accept message
 * without key"). Leader
 * appends then get their base offset and partition leader epoch rewritten in the buffer: both fields precede the
 * CRC-covered bytes, so nothing is re-encoded and the CRC stays valid. Follower appends keep their offsets, which
 * must start at or after the log end and increase ({@link OffsetsOutOfOrderException}). Compressed batches are kept
 * as they came. Nothing is modified when a check fails.
 *
 * <p>Stateless and thread-safe.
 */
final class BatchValidator {

    private BatchValidator() {}

    /** The validated bytes of an append and the headers of its batches (positions relative to the bytes). */
    record ValidatedBatches(ByteBuffer bytes, BatchHeader[] headers) {
        int sizeInBytes() {
            return bytes.remaining();
        }

        boolean isEmpty() {
            return headers.length == 0;
        }

        BatchHeader first() {
            return headers[0];
        }

        BatchHeader last() {
            return headers[headers.length - 1];
        }
    }

    /** Validates producer batches of a log that is not compacted (keys optional). */
    static ValidatedBatches validateAndAssign(
            MemoryRecords records, long nextOffset, int leaderEpoch, int maxMessageBytes) {
        return validateAndAssign(records, nextOffset, leaderEpoch, maxMessageBytes, false);
    }

    /**
     * Validates producer batches and stamps offsets from {@code nextOffset} and {@code leaderEpoch} in place. With
     * {@code requireKeys} (a compacted log) every record must carry a key, else the whole append is rejected.
     */
    static ValidatedBatches validateAndAssign(
            MemoryRecords records, long nextOffset, int leaderEpoch, int maxMessageBytes, boolean requireKeys) {
        List<MutableRecordBatch> batches = validate(records, maxMessageBytes);
        for (MutableRecordBatch batch : batches) {
            Integer count = batch.countOrNull();
            int lastOffsetDelta = (int) (batch.lastOffset() - batch.baseOffset());
            if (count == null || count <= 0 || count != lastOffsetDelta + 1) {
                throw new InvalidRecordException("batch with " + count + " records has last offset delta "
                        + lastOffsetDelta + "; producer batches must have consecutive offsets");
            }
            if (requireKeys && !batch.isControlBatch()) {
                requireKeys(batch);
            }
        }
        long offset = nextOffset;
        for (MutableRecordBatch batch : batches) {
            long delta = batch.lastOffset() - batch.baseOffset();
            batch.setLastOffset(offset + delta);
            batch.setPartitionLeaderEpoch(leaderEpoch);
            offset += delta + 1;
        }
        return headersOf(records);
    }

    private static void requireKeys(MutableRecordBatch batch) {
        try (CloseableIterator<Record> records = batch.streamingIterator(BufferSupplier.NO_CACHING)) {
            while (records.hasNext()) {
                if (!records.next().hasKey()) {
                    throw new InvalidRecordException("Compacted topic cannot accept message without key");
                }
            }
        }
    }

    /** Validates replicated batches, which keep their offsets and epochs; they must start at {@code logEnd}. */
    static ValidatedBatches validateFollower(MemoryRecords records, long logEndOffset, int maxMessageBytes) {
        List<MutableRecordBatch> batches = validate(records, maxMessageBytes);
        long expectedAtLeast = logEndOffset;
        for (MutableRecordBatch batch : batches) {
            if (batch.baseOffset() < expectedAtLeast) {
                throw new OffsetsOutOfOrderException("batch base offset " + batch.baseOffset()
                        + " is below the expected " + expectedAtLeast + " (log end " + logEndOffset + ")");
            }
            expectedAtLeast = batch.lastOffset() + 1;
        }
        return headersOf(records);
    }

    private static List<MutableRecordBatch> validate(MemoryRecords records, int maxMessageBytes) {
        List<MutableRecordBatch> batches = new ArrayList<>();
        long total = 0;
        for (MutableRecordBatch batch : records.batches()) {
            if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
                throw new UnsupportedForMessageFormatException(
                        "record batch magic " + batch.magic() + " is not supported; only magic 2 is stored");
            }
            if (batch.sizeInBytes() > maxMessageBytes) {
                throw new RecordTooLargeException("record batch of " + batch.sizeInBytes()
                        + " bytes exceeds max.message.bytes " + maxMessageBytes);
            }
            batch.ensureValid();
            if (batch.lastOffset() < batch.baseOffset()) {
                throw new InvalidRecordException("record batch has a negative last offset delta");
            }
            total += batch.sizeInBytes();
            batches.add(batch);
        }
        if (total != records.sizeInBytes()) {
            throw new CorruptRecordException("request holds " + records.sizeInBytes() + " bytes but only " + total
                    + " bytes of whole record batches");
        }
        return batches;
    }

    private static ValidatedBatches headersOf(MemoryRecords records) {
        ByteBuffer bytes = records.buffer();
        int start = bytes.position();
        List<BatchHeader> headers = new ArrayList<>();
        int at = start;
        while (at < bytes.limit()) {
            BatchHeader header = BatchHeader.parse(bytes, at, at - start);
            headers.add(header);
            at += header.sizeInBytes();
        }
        return new ValidatedBatches(bytes, headers.toArray(new BatchHeader[0]));
    }
}
