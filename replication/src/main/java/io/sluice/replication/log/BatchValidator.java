package io.sluice.replication.log;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedForMessageFormatException;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;

/**
 * Validates the record batches of one append and assigns offsets in place.
 *
 * <p>Every append, leader or follower, first gets the checks that make the bytes safe to iterate, each failure a
 * {@link CorruptRecordException} ({@code CORRUPT_MESSAGE}): whole batches covering the request exactly, with lengths
 * that cannot overflow ({@link BatchFraming}), and each batch's CRC. Then magic 2 ({@link
 * UnsupportedForMessageFormatException}, {@code UNSUPPORTED_FOR_MESSAGE_FORMAT}) and at most {@code max.message.bytes}
 * per batch ({@link RecordTooLargeException}, {@code MESSAGE_TOO_LARGE}).
 *
 * <p>Leader (producer) appends then get what Kafka's {@code LogValidator} checks, with Kafka 3.9's error codes:
 *
 * <ul>
 *   <li>per batch: a record count above 0 that equals the last offset delta + 1, and a base sequence of at least 0 for
 *       a batch with a producer id ({@link InvalidRecordException}, {@code INVALID_RECORD}); the CreateTime timestamp
 *       type (a producer may not set LogAppendTime: {@link InvalidTimestampException}, {@code INVALID_TIMESTAMP});
 *   <li>per record, by walking every record of every batch, compressed ones through a bounded streaming
 *       decompression, without copying keys or values ({@link RecordWalker}): framing, lengths against the bytes
 *       present, varints, key/value/header lengths, header counts, consecutive offset deltas, the declared record count
 *       against the records present, no trailing bytes, and a key on every record of a compacted log ({@code
 *       INVALID_RECORD}, as kafka-clients' record iterator reports a malformed record); an undecodable compressed
 *       payload or an unknown codec ({@code CORRUPT_MESSAGE}); decompressed records beyond the bound ({@code
 *       INVALID_RECORD} for a single record, {@code MESSAGE_TOO_LARGE} for the batch).
 * </ul>
 *
 * Sluice has no per-topic timestamp policy ({@code message.timestamp.type} is not applied to logs and there is no
 * {@code message.timestamp.before/after.max.ms}), so record timestamps are not range-checked; as Kafka does for
 * CreateTime, a batch's max timestamp is set to its largest record timestamp when it says otherwise (rewriting the
 * CRC; no client's batch needs it). Leader appends then get their base offset and partition leader epoch rewritten in
 * the buffer: both fields precede the CRC-covered bytes, so nothing is re-encoded and the CRC stays valid. Compressed
 * batches are kept as they came. Nothing is modified when a check fails, so a refused append leaves the request's
 * bytes and the log as they were.
 *
 * <p>Follower appends keep their offsets, which must start at or after the log end and increase ({@link
 * OffsetsOutOfOrderException}); their records are not walked: the leader validated them, and the CRC shows they are
 * what it wrote.
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
        ByteBuffer buffer = records.buffer();
        long maxUncompressedBytes = RecordWalker.maxUncompressedBytes(maxMessageBytes);
        long[] maxTimestamps = new long[batches.size()];
        int at = buffer.position();
        for (int b = 0; b < maxTimestamps.length; b++) {
            BatchHeader header = BatchHeader.parse(buffer, at, at);
            checkProducerBatch(header);
            maxTimestamps[b] =
                    RecordWalker.walk(buffer, at, header, requireKeys && !header.isControl(), maxUncompressedBytes);
            at += header.sizeInBytes();
        }
        long offset = nextOffset;
        for (int b = 0; b < maxTimestamps.length; b++) {
            MutableRecordBatch batch = batches.get(b);
            long delta = batch.lastOffset() - batch.baseOffset();
            batch.setLastOffset(offset + delta);
            batch.setPartitionLeaderEpoch(leaderEpoch);
            if (batch.maxTimestamp() != maxTimestamps[b]) {
                batch.setMaxTimestamp(TimestampType.CREATE_TIME, maxTimestamps[b]);
            }
            offset += delta + 1;
        }
        return headersOf(records);
    }

    private static void checkProducerBatch(BatchHeader header) {
        int count = header.recordCount();
        int lastOffsetDelta = header.lastOffsetDelta();
        if (count <= 0 || lastOffsetDelta < 0 || count != lastOffsetDelta + 1L) {
            throw new InvalidRecordException("batch with " + count + " records has last offset delta " + lastOffsetDelta
                    + "; producer batches must have consecutive offsets");
        }
        if (header.hasProducerId() && !header.isControl() && header.baseSequence() < 0) {
            throw new InvalidRecordException("Invalid sequence number " + header.baseSequence()
                    + " in record batch with producerId " + header.producerId());
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
        List<MutableRecordBatch> batches = new ArrayList<>(BatchFraming.check(records.buffer()));
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
