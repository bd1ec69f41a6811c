package io.sluice.replication.log;

import java.nio.ByteBuffer;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;

/**
 * Walks every record of one v2 record batch, checking its structure without copying or even slicing a key, value or
 * header: lengths are read and the bytes skipped. Uncompressed records are read in place from the batch buffer;
 * compressed ones from a streaming decompressor ({@link DecompressedInput}) that is never asked for more bytes than the
 * records claim, within a bound.
 *
 * <p>A record ({@code DefaultRecord}) is {@code length: varint} then {@code length} bytes: {@code attributes: int8},
 * {@code timestampDelta: varlong}, {@code offsetDelta: varint}, {@code keyLength: varint} and key, {@code valueLength:
 * varint} and value, {@code headerCount: varint}, and per header {@code keyLength: varint} and key, {@code
 * valueLength: varint} and value. Checks, each an {@link InvalidRecordException} ({@code INVALID_RECORD}, as Kafka's
 * record iterator reports them):
 *
 * <ul>
 *   <li>varints of at most 5 bytes (varlongs 10) and no bits beyond 32 (64); a shorter non-minimal encoding is read as
 *       kafka-clients reads it;
 *   <li>a record length of at least 6 (one byte per field) and at most the bytes left in the batch;
 *   <li>the offset delta of record {@code i} is {@code i} (producer batches carry consecutive offsets);
 *   <li>key and value lengths are -1 (null) or fit the rest of the record; a compacted log requires a key;
 *   <li>a header count of at least 0 and at most what the rest of the record can hold (2 bytes a header); header keys
 *       of length at least 0, header values -1 or longer; every length within the record;
 *   <li>the fields fill exactly the record's length; the declared record count equals the records present, with no
 *       byte after the last one.
 * </ul>
 *
 * <p>Compressed batches: an unknown codec id or a payload the codec cannot decode is a {@link CorruptRecordException}
 * ({@code CORRUPT_MESSAGE}). Decompression is bounded by {@link #maxUncompressedBytes}: a single record that claims
 * more is an {@link InvalidRecordException} (no record can be that large); records that each fit but together exceed
 * it are a {@link RecordTooLargeException} ({@code MESSAGE_TOO_LARGE}, on which a stock producer splits its batch).
 * Either is refused before the bytes are decompressed.
 *
 * <p>Stateless and thread-safe; one call allocates only the decompressor's buffers for a compressed batch.
 */
final class RecordWalker {
    /** A record's fields take at least one byte each. */
    static final int MIN_RECORD_BODY = 6;
    /** Length prefix plus the smallest body. */
    static final int MIN_RECORD_SIZE = 1 + MIN_RECORD_BODY;
    /** How many times {@code max.message.bytes} (at least 1 MiB) the records of one batch may decompress to. */
    static final int MAX_EXPANSION = 64;

    private static final int COMPRESSION_CODEC_MASK = 0x07;
    private static final int TIMESTAMP_TYPE_MASK = 0x08;

    private RecordWalker() {}

    /**
     * The most bytes the records of one compressed batch may decompress to: {@link #MAX_EXPANSION} times the larger of
     * {@code max.message.bytes} and 1 MiB (64 MiB with Kafka's defaults), far above what real data compresses by and
     * small enough that a decompression bomb costs a bounded amount of CPU and nothing of the heap.
     */
    static long maxUncompressedBytes(int maxMessageBytes) {
        return Math.min(Integer.MAX_VALUE, (long) MAX_EXPANSION * Math.max(maxMessageBytes, 1 << 20));
    }

    /**
     * Walks the records of the batch of {@code header} that starts at absolute index {@code start} of {@code buffer}.
     *
     * @param requireKeys whether every record must carry a key (a compacted log)
     * @param maxUncompressedBytes the bound on a compressed batch's decompressed records
     * @return the largest record timestamp, {@link RecordBatch#NO_TIMESTAMP} if none has one
     */
    static long walk(ByteBuffer buffer, int start, BatchHeader header, boolean requireKeys, long maxUncompressedBytes) {
        if ((header.attributes() & TIMESTAMP_TYPE_MASK) != 0) {
            throw new InvalidTimestampException(
                    "Invalid timestamp type in a record batch: producers should not set timestamp type to LogAppendTime");
        }
        int recordsStart = start + BatchHeader.SIZE;
        int recordsEnd = start + header.sizeInBytes();
        int codec = header.attributes() & COMPRESSION_CODEC_MASK;
        if (codec == CompressionType.NONE.id) {
            return walk(new BufferInput(buffer, recordsStart, recordsEnd), header, requireKeys);
        }
        CompressionType type = compressionType(codec);
        try (DecompressedInput input =
                DecompressedInput.open(type, buffer, recordsStart, recordsEnd, maxUncompressedBytes)) {
            return walk(input, header, requireKeys);
        }
    }

    private static CompressionType compressionType(int codec) {
        for (CompressionType type : CompressionType.values()) {
            if (type.id == codec) {
                return type;
            }
        }
        throw new CorruptRecordException("record batch has unknown compression codec id " + codec);
    }

    private static long walk(RecordInput in, BatchHeader header, boolean requireKeys) {
        int count = header.recordCount();
        if (count <= 0 || (long) count * MIN_RECORD_SIZE > in.maxRemaining()) {
            throw new InvalidRecordException("record batch declares " + count + " records but its records hold at most "
                    + in.maxRemaining() + " bytes (" + MIN_RECORD_SIZE + " at least per record)");
        }
        long baseTimestamp = header.baseTimestamp();
        long maxTimestamp = RecordBatch.NO_TIMESTAMP;
        for (int i = 0; i < count; i++) {
            if (in.atEnd()) {
                throw new InvalidRecordException("record batch declares " + count + " records but holds only " + i);
            }
            int length = in.readVarint(i, "length");
            if (length < MIN_RECORD_BODY) {
                throw new InvalidRecordException("record " + i + " has invalid length " + length);
            }
            in.requireAvailable(length, i);
            long end = in.consumed() + length;
            in.readByte(); // attributes: unused in v2
            long timestamp = baseTimestamp + in.readVarlong(i);
            int offsetDelta = in.readVarint(i, "offset delta");
            if (offsetDelta != i) {
                throw new InvalidRecordException("record " + i + " has offset delta " + offsetDelta
                        + "; the records of a producer batch must have consecutive offset deltas from 0");
            }
            int keyLength = in.readVarint(i, "key length");
            skipField(in, keyLength, end, i, "key", true);
            if (requireKeys && keyLength < 0) {
                throw new InvalidRecordException(
                        "Compacted topic cannot accept message without key (record " + i + ")");
            }
            skipField(in, in.readVarint(i, "value length"), end, i, "value", true);
            int headerCount = in.readVarint(i, "header count");
            if (headerCount < 0 || headerCount > (end - in.consumed()) / 2) {
                throw new InvalidRecordException("record " + i + " has invalid header count " + headerCount + " with "
                        + (end - in.consumed()) + " bytes left in the record");
            }
            for (int h = 0; h < headerCount; h++) {
                skipField(in, in.readVarint(i, "header key length"), end, i, "header key", false);
                skipField(in, in.readVarint(i, "header value length"), end, i, "header value", true);
            }
            if (in.consumed() != end) {
                throw new InvalidRecordException("record " + i + " has length " + length + " but its fields take "
                        + (length + in.consumed() - end) + " bytes");
            }
            if (timestamp > maxTimestamp) {
                maxTimestamp = timestamp;
            }
        }
        if (!in.atEnd()) {
            throw new InvalidRecordException("record batch holds bytes after its " + count
                    + " declared records (Incorrect declared batch size)");
        }
        return maxTimestamp;
    }

    /** Skips a length-prefixed field of {@code length} bytes that must end within the record ending at {@code end}. */
    private static void skipField(RecordInput in, int length, long end, int record, String field, boolean nullable) {
        if (length < 0) {
            if (length == -1 && nullable) {
                return;
            }
            throw new InvalidRecordException("record " + record + " has invalid " + field + " length " + length);
        }
        long left = end - in.consumed();
        if (length > left) {
            throw new InvalidRecordException("record " + record + " has " + field + " length " + length + " but only "
                    + Math.max(0, left) + " bytes are left in the record");
        }
        in.skip(length);
    }

    private static InvalidRecordException invalidVarint(int record, String field) {
        return new InvalidRecordException(
                "record " + record + " has an invalid varint " + field + " (more than 5 bytes or 32 bits)");
    }

    private static InvalidRecordException invalidVarlong(int record) {
        return new InvalidRecordException(
                "record " + record + " has an invalid varlong timestamp delta (more than 10 bytes or 64 bits)");
    }

    /** The bytes of a batch's records, read front to back. */
    abstract static class RecordInput {
        /** The next byte (0..255); an {@link InvalidRecordException} if there is none. */
        abstract int readByte();

        /** A zigzag varint of at most 5 bytes whose value fits 32 bits. */
        int readVarint(int record, String field) {
            int raw = 0;
            for (int shift = 0; shift < 28; shift += 7) {
                int b = readByte();
                raw |= (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return (raw >>> 1) ^ -(raw & 1);
                }
            }
            int last = readByte();
            if (last > 0x0f) {
                throw invalidVarint(record, field);
            }
            raw |= last << 28;
            return (raw >>> 1) ^ -(raw & 1);
        }

        /** A zigzag varlong of at most 10 bytes whose value fits 64 bits. */
        long readVarlong(int record) {
            long raw = 0;
            for (int shift = 0; shift < 63; shift += 7) {
                int b = readByte();
                raw |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return (raw >>> 1) ^ -(raw & 1);
                }
            }
            int last = readByte();
            if (last > 0x01) {
                throw invalidVarlong(record);
            }
            raw |= (long) last << 63;
            return (raw >>> 1) ^ -(raw & 1);
        }

        /** Skips {@code n} bytes; an {@link InvalidRecordException} if fewer remain. */
        abstract void skip(int n);

        /** Bytes read or skipped so far. */
        abstract long consumed();

        /** Whether no byte is left. */
        abstract boolean atEnd();

        /** An upper bound on the bytes still to come. */
        abstract long maxRemaining();

        /** Refuses a record body of {@code length} bytes that cannot be there. */
        abstract void requireAvailable(int length, int record);
    }

    /** The records of an uncompressed batch, read in place by absolute index. */
    static final class BufferInput extends RecordInput {
        private final ByteBuffer buffer;
        private final int start;
        private final int end;
        private int position;

        BufferInput(ByteBuffer buffer, int start, int end) {
            this.buffer = buffer;
            this.start = start;
            this.end = end;
            this.position = start;
        }

        @Override
        int readByte() {
            if (position >= end) {
                throw new InvalidRecordException("record runs past the end of its batch (premature EOF)");
            }
            return buffer.get(position++) & 0xff;
        }

        /** As the generic reader, with the position in a local while the varint is read. */
        @Override
        int readVarint(int record, String field) {
            int at = position;
            int raw = 0;
            for (int shift = 0; shift < 35; shift += 7) {
                if (at >= end) {
                    throw new InvalidRecordException("record runs past the end of its batch (premature EOF)");
                }
                int b = buffer.get(at++);
                if (shift == 28) {
                    if ((b & 0xff) > 0x0f) {
                        throw invalidVarint(record, field);
                    }
                } else if (b < 0) {
                    raw |= (b & 0x7f) << shift;
                    continue;
                }
                raw |= b << shift;
                position = at;
                return (raw >>> 1) ^ -(raw & 1);
            }
            throw new IllegalStateException("unreachable");
        }

        @Override
        long readVarlong(int record) {
            int at = position;
            long raw = 0;
            for (int shift = 0; shift < 70; shift += 7) {
                if (at >= end) {
                    throw new InvalidRecordException("record runs past the end of its batch (premature EOF)");
                }
                int b = buffer.get(at++);
                if (shift == 63) {
                    if ((b & 0xff) > 0x01) {
                        throw invalidVarlong(record);
                    }
                } else if (b < 0) {
                    raw |= (long) (b & 0x7f) << shift;
                    continue;
                }
                raw |= (long) b << shift;
                position = at;
                return (raw >>> 1) ^ -(raw & 1);
            }
            throw new IllegalStateException("unreachable");
        }

        @Override
        void skip(int n) {
            if (n > end - position) {
                throw new InvalidRecordException("record runs past the end of its batch (premature EOF)");
            }
            position += n;
        }

        @Override
        long consumed() {
            return position - start;
        }

        @Override
        boolean atEnd() {
            return position >= end;
        }

        @Override
        long maxRemaining() {
            return end - position;
        }

        @Override
        void requireAvailable(int length, int record) {
            if (length > end - position) {
                throw new InvalidRecordException("record " + record + " claims " + length + " bytes but only "
                        + (end - position) + " remain in the batch");
            }
        }
    }
}
