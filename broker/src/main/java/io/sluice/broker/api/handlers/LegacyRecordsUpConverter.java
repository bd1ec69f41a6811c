package io.sluice.broker.api.handlers;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.LegacyRecord;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.BufferSupplier;

/**
 * Converts the message sets of old producers (Produce v0–v2: messages of magic 0 and 1, each compressed message a
 * wrapper around a compressed set of inner messages) into one record batch of magic 2, as Kafka 3.9 stores every
 * append in the current format. Keys, values and CreateTime timestamps are kept (magic 0 has none: {@code -1});
 * offsets are assigned by the log; the batch is compressed with the codec the producer used (the first compressed
 * message's, when a set mixes codecs), so old producers' gzip, snappy and lz4 data stays compressed on disk.
 *
 * <p>Every message's CRC is checked, the wrappers' and the inner messages' ({@code CORRUPT_MESSAGE}); a wrapper whose
 * payload does not decompress into whole messages is {@code CORRUPT_MESSAGE}; a wrapper inside a wrapper or a
 * LogAppendTime message from a producer is {@code INVALID_RECORD} / {@code INVALID_TIMESTAMP} as in Kafka. The inner
 * messages are read with their declared sizes checked against {@link #MAX_UNCOMPRESSED_BYTES} before anything is
 * allocated, so a decompression bomb is {@code MESSAGE_TOO_LARGE}, not an exhausted heap.
 *
 * <p>Stateless and thread-safe.
 */
final class LegacyRecordsUpConverter {
    /** The most bytes the messages of one partition of one request may take once decompressed. */
    static final int MAX_UNCOMPRESSED_BYTES = 64 << 20;

    private LegacyRecordsUpConverter() {}

    /** Whether {@code records} holds a message of magic 0 or 1 (its framing already checked). */
    static boolean isLegacy(MemoryRecords records) {
        for (MutableRecordBatch batch : records.batches()) {
            if (batch.magic() < RecordBatch.MAGIC_VALUE_V2) {
                return true;
            }
        }
        return false;
    }

    /**
     * The messages of {@code records} (whole messages of magic 0 or 1, framing checked) as one batch of magic 2.
     *
     * @throws CorruptRecordException a CRC mismatch or an undecodable compressed message
     * @throws InvalidRecordException a magic 2 batch mixed in, a nested wrapper, or an empty set
     * @throws RecordTooLargeException the messages decompress beyond {@link #MAX_UNCOMPRESSED_BYTES}
     */
    static MemoryRecords toMagicV2(MemoryRecords records) {
        CompressionType codec = CompressionType.NONE;
        for (MutableRecordBatch batch : records.batches()) {
            if (batch.magic() >= RecordBatch.MAGIC_VALUE_V2) {
                throw new InvalidRecordException("a message set may not mix record batches of magic 2 into messages"
                        + " of magic " + RecordBatch.MAGIC_VALUE_V0 + " or " + RecordBatch.MAGIC_VALUE_V1);
            }
            if (codec == CompressionType.NONE) {
                codec = batch.compressionType();
            }
        }
        Budget budget = new Budget();
        MemoryRecordsBuilder builder = MemoryRecords.builder(
                ByteBuffer.allocate(Math.min(records.sizeInBytes() * 2 + 256, MAX_UNCOMPRESSED_BYTES)),
                RecordBatch.MAGIC_VALUE_V2,
                Compression.of(codec).build(),
                TimestampType.CREATE_TIME,
                0L);
        int count = 0;
        ByteBuffer buffer = records.buffer();
        int at = buffer.position();
        while (at < buffer.limit()) {
            int size = buffer.getInt(at + 8) + 12;
            ByteBuffer message = buffer.duplicate();
            message.position(at + 12).limit(at + size);
            LegacyRecord wrapper = new LegacyRecord(message.slice());
            count += append(wrapper, builder, budget, false);
            at += size;
        }
        if (count == 0) {
            throw new InvalidRecordException("the message set holds no message");
        }
        return builder.build();
    }

    private static int append(LegacyRecord message, MemoryRecordsBuilder builder, Budget budget, boolean inner) {
        if (!message.isValid()) {
            throw new CorruptRecordException("a message of magic " + message.magic() + " has CRC " + message.checksum()
                    + " but its bytes compute to " + message.computeChecksum());
        }
        if (message.timestampType() == TimestampType.LOG_APPEND_TIME && !inner) {
            throw new InvalidTimestampException("a producer may not send LogAppendTime messages");
        }
        if (message.compressionType() == CompressionType.NONE) {
            budget.take(message.sizeInBytes());
            builder.append(
                    message.magic() == RecordBatch.MAGIC_VALUE_V0 ? RecordBatch.NO_TIMESTAMP : message.timestamp(),
                    message.key(),
                    message.value());
            return 1;
        }
        if (inner) {
            throw new InvalidRecordException("a compressed message may not hold another compressed message");
        }
        if (message.value() == null) {
            throw new CorruptRecordException("a compressed message of magic " + message.magic() + " has no payload");
        }
        return appendInner(message, builder, budget);
    }

    private static int appendInner(LegacyRecord wrapper, MemoryRecordsBuilder builder, Budget budget) {
        int count = 0;
        BufferSupplier buffers = BufferSupplier.create();
        try (InputStream decompressed = Compression.of(wrapper.compressionType())
                        .build()
                        .wrapForInput(wrapper.value(), wrapper.magic(), buffers);
                DataInputStream in = new DataInputStream(decompressed)) {
            while (true) {
                long offset;
                try {
                    offset = in.readLong();
                } catch (EOFException end) {
                    break;
                }
                int size = in.readInt();
                if (size < LegacyRecord.RECORD_OVERHEAD_V0) {
                    throw new CorruptRecordException("inner message at offset " + offset + " of a compressed message"
                            + " claims " + size + " bytes, less than a message's header");
                }
                budget.take(size);
                byte[] bytes = new byte[size];
                in.readFully(bytes);
                LegacyRecord message = new LegacyRecord(ByteBuffer.wrap(bytes));
                if (message.magic() != wrapper.magic()) {
                    throw new InvalidRecordException("an inner message of magic " + message.magic()
                            + " inside a compressed message of magic " + wrapper.magic());
                }
                if (wrapper.magic() == RecordBatch.MAGIC_VALUE_V1
                        && wrapper.timestampType() == TimestampType.LOG_APPEND_TIME) {
                    throw new InvalidTimestampException("a producer may not send LogAppendTime messages");
                }
                count += append(message, builder, budget, true);
            }
        } catch (EOFException e) {
            throw new CorruptRecordException("a compressed message of magic " + wrapper.magic()
                    + " decompresses into a truncated inner message");
        } catch (IOException | RuntimeException e) {
            if (e instanceof CorruptRecordException
                    || e instanceof InvalidRecordException
                    || e instanceof RecordTooLargeException
                    || e instanceof InvalidTimestampException) {
                throw (RuntimeException) e;
            }
            throw new CorruptRecordException("a compressed message of magic " + wrapper.magic() + " ("
                    + wrapper.compressionType() + ") cannot be decompressed: " + e.getMessage());
        }
        return count;
    }

    /** The uncompressed bytes still allowed. */
    private static final class Budget {
        private long left = MAX_UNCOMPRESSED_BYTES;

        void take(int bytes) {
            left -= bytes;
            if (left < 0) {
                throw new RecordTooLargeException("the messages decompress to more than " + MAX_UNCOMPRESSED_BYTES
                        + " bytes, the most one partition of a Produce v0-v2 request may hold");
            }
        }
    }
}
