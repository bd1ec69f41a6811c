package io.sluice.replication.log;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.ByteBufferOutputStream;
import org.apache.kafka.common.utils.ByteUtils;
import org.apache.kafka.common.utils.Crc32C;

/**
 * Hand-encoded v2 producer batches, well-formed or malformed in one way each, with a correct CRC (so only the record
 * walk can refuse them), uncompressed or compressed with any codec. Shared by the log's unit tests and the broker's
 * integration tests.
 */
public final class MalformedBatches {
    /** Timestamp of the first record of every batch built here. */
    public static final long BASE_TIMESTAMP = 1_700_000_000_000L;

    private static final int RECORDS = 3;

    /** One way a batch is malformed, and the error a broker must answer it with. */
    public enum Shape {
        COUNT_1000(false),
        COUNT_MAX_INT(false),
        RECORD_LENGTH_HUGE(false),
        RECORD_LENGTH_NEGATIVE(false),
        RECORD_LENGTH_SHORT(false),
        RECORD_LENGTH_LONG(false),
        KEY_LENGTH_HUGE(false),
        KEY_LENGTH_NEGATIVE(false),
        VALUE_LENGTH_HUGE(false),
        HEADER_COUNT_MAX_INT(false),
        HEADER_COUNT_MIN_INT(false),
        HEADER_COUNT_NEGATIVE(false),
        HEADER_KEY_LENGTH_NULL(false),
        HEADER_VALUE_LENGTH_HUGE(false),
        VARINT_SIX_BYTES(false),
        VARINT_BEYOND_32_BITS(false),
        VARLONG_ELEVEN_BYTES(false),
        RANDOM_RECORD_BYTES(false),
        OFFSET_DELTAS_SWAPPED(false),
        OFFSET_DELTAS_GAP(false),
        TRAILING_GARBAGE(false),
        /** The payload is not valid for its codec (uncompressed: a truncated record). */
        UNDECODABLE_PAYLOAD(true);

        private final boolean corruptWhenCompressed;

        Shape(boolean corruptWhenCompressed) {
            this.corruptWhenCompressed = corruptWhenCompressed;
        }

        /** Whether a compressed batch of this shape is {@code CORRUPT_MESSAGE} rather than {@code INVALID_RECORD}. */
        public boolean corruptWhenCompressed() {
            return corruptWhenCompressed;
        }
    }

    private MalformedBatches() {}

    /** A well-formed batch of {@code values}, keys {@code k-i}, one header each. */
    public static MemoryRecords valid(CompressionType codec, String... values) {
        Bytes records = new Bytes();
        for (int i = 0; i < values.length; i++) {
            records.bytes(record(i, utf8("k-" + i), utf8(values[i])));
        }
        return batch(codec, values.length, values.length - 1, records.toArray());
    }

    /** A batch of three records malformed as {@code shape}, compressed with {@code codec}. */
    public static MemoryRecords of(Shape shape, CompressionType codec) {
        byte[] r0 = record(0, utf8("k-0"), utf8("v-0"));
        byte[] r1 = record(1, utf8("k-1"), utf8("v-1"));
        byte[] r2 = record(2, utf8("k-2"), utf8("v-2"));
        return switch (shape) {
            case COUNT_1000 -> batch(codec, 1000, 999, concat(r0, r1, r2));
            case COUNT_MAX_INT -> batch(codec, Integer.MAX_VALUE, Integer.MAX_VALUE - 1, concat(r0, r1, r2));
            case RECORD_LENGTH_HUGE -> batch(codec, concat(r0, withLength(r1, 1 << 30), r2));
            case RECORD_LENGTH_NEGATIVE -> batch(codec, concat(r0, withLength(r1, -5), r2));
            case RECORD_LENGTH_SHORT -> batch(codec, concat(r0, withLength(r1, bodyLength(r1) - 3), r2));
            case RECORD_LENGTH_LONG -> batch(codec, concat(r0, withLength(r1, bodyLength(r1) + 2), r2));
            case KEY_LENGTH_HUGE -> batch(codec, concat(r0, custom(1, b -> b.varint(1 << 30)), r2));
            case KEY_LENGTH_NEGATIVE ->
                batch(codec, concat(r0, custom(1, b -> b.varint(-7).varint(-1).varint(0)), r2));
            case VALUE_LENGTH_HUGE ->
                batch(codec, concat(r0, custom(1, b -> b.varint(1).raw('k').varint(Integer.MAX_VALUE)), r2));
            case HEADER_COUNT_MAX_INT -> batch(codec, concat(r0, r1, withHeaderCount(2, Integer.MAX_VALUE)));
            case HEADER_COUNT_MIN_INT -> batch(codec, concat(r0, r1, withHeaderCount(2, Integer.MIN_VALUE)));
            case HEADER_COUNT_NEGATIVE -> batch(codec, concat(r0, r1, withHeaderCount(2, -1)));
            case HEADER_KEY_LENGTH_NULL ->
                batch(
                        codec,
                        concat(
                                r0,
                                custom(
                                        1,
                                        b -> b.varint(-1)
                                                .varint(-1)
                                                .varint(1)
                                                .varint(-1)
                                                .varint(-1)),
                                r2));
            case HEADER_VALUE_LENGTH_HUGE ->
                batch(
                        codec,
                        concat(
                                r0,
                                custom(
                                        1,
                                        b -> b.varint(-1)
                                                .varint(-1)
                                                .varint(1)
                                                .varint(1)
                                                .raw('h')
                                                .varint(1 << 30)),
                                r2));
            case VARINT_SIX_BYTES ->
                batch(
                        codec,
                        concat(
                                r0,
                                custom(
                                        1,
                                        true,
                                        b -> b.raw(0x82, 0x80, 0x80, 0x80, 0x80, 0x00)
                                                .varint(-1)
                                                .varint(-1)
                                                .varint(0)),
                                r2));
            case VARINT_BEYOND_32_BITS ->
                batch(
                        codec,
                        concat(
                                r0,
                                custom(
                                        1,
                                        true,
                                        b -> b.raw(0x82, 0x80, 0x80, 0x80, 0x70)
                                                .varint(-1)
                                                .varint(-1)
                                                .varint(0)),
                                r2));
            case VARLONG_ELEVEN_BYTES -> batch(codec, concat(r0, elevenByteTimestampDelta(), r2));
            case RANDOM_RECORD_BYTES -> batch(codec, randomBytes(r0.length + r1.length + r2.length));
            case OFFSET_DELTAS_SWAPPED ->
                batch(codec, concat(r0, record(2, utf8("k"), utf8("v")), record(1, null, null)));
            case OFFSET_DELTAS_GAP -> batch(codec, concat(r0, r1, record(7, utf8("k"), utf8("v"))));
            case TRAILING_GARBAGE -> batch(codec, concat(r0, r1, r2, new byte[] {0x0c, 0, 0, 4, 2, 'x', 2, 'y'}));
            case UNDECODABLE_PAYLOAD ->
                codec == CompressionType.NONE
                        ? batch(codec, concat(r0, r1, Arrays.copyOf(r2, r2.length - 2)))
                        : rawBatch(codec, RECORDS, RECORDS - 1, randomBytes(64));
        };
    }

    /**
     * A compressed batch whose first record claims {@code claimedBytes} (a gigabyte, say) in its length and its key
     * length, with only a few bytes behind the claim.
     */
    public static MemoryRecords hugeClaim(CompressionType codec, int claimedBytes) {
        Bytes claim =
                new Bytes().varint(claimedBytes).raw(0).varlong(0).varint(0).varint(claimedBytes - 8);
        claim.raw('k', 'e', 'y');
        return batch(codec, 1, 0, claim.toArray());
    }

    /**
     * A decompression bomb: {@code records} honest records of {@code valueBytes} zero bytes each, which compress to
     * a small fraction of that.
     */
    public static MemoryRecords bomb(CompressionType codec, int records, int valueBytes) {
        byte[] zeros = new byte[valueBytes];
        ByteBufferOutputStream out = new ByteBufferOutputStream(1 << 20);
        try (OutputStream compressing = Compression.of(codec).build().wrapForOutput(out, RecordBatch.MAGIC_VALUE_V2)) {
            for (int i = 0; i < records; i++) {
                compressing.write(record(i, null, zeros));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteBuffer compressed = out.buffer().flip();
        byte[] payload = new byte[compressed.remaining()];
        compressed.get(payload);
        return rawBatch(codec, records, records - 1, payload);
    }

    /** A batch header claiming {@code length} for the bytes after the length field, followed by a few bytes. */
    public static MemoryRecords withBatchLength(int length) {
        ByteBuffer buffer = valid(CompressionType.NONE, "a").buffer();
        ByteBuffer copy = ByteBuffer.allocate(buffer.remaining());
        copy.put(buffer).flip();
        copy.putInt(8, length);
        return MemoryRecords.readableRecords(copy);
    }

    /** A batch of {@code records} (uncompressed record bytes) compressed with {@code codec}; a CRC that matches. */
    public static MemoryRecords batch(CompressionType codec, int count, int lastOffsetDelta, byte[] records) {
        return rawBatch(codec, count, lastOffsetDelta, compress(codec, records));
    }

    private static MemoryRecords batch(CompressionType codec, byte[] records) {
        return batch(codec, RECORDS, RECORDS - 1, records);
    }

    /** A batch whose payload (after the 61-byte header) is {@code payload} as given; a CRC that matches. */
    public static MemoryRecords rawBatch(CompressionType codec, int count, int lastOffsetDelta, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(BatchHeader.SIZE + payload.length);
        b.putLong(0L) // base offset
                .putInt(b.capacity() - BatchHeader.LOG_OVERHEAD)
                .putInt(RecordBatch.NO_PARTITION_LEADER_EPOCH)
                .put(RecordBatch.MAGIC_VALUE_V2)
                .putInt(0) // crc, below
                .putShort(codec.id)
                .putInt(lastOffsetDelta)
                .putLong(BASE_TIMESTAMP)
                .putLong(BASE_TIMESTAMP + Math.max(0, lastOffsetDelta))
                .putLong(RecordBatch.NO_PRODUCER_ID)
                .putShort(RecordBatch.NO_PRODUCER_EPOCH)
                .putInt(RecordBatch.NO_SEQUENCE)
                .putInt(count)
                .put(payload)
                .flip();
        b.putInt(17, (int) Crc32C.compute(b, 21, b.limit() - 21));
        return MemoryRecords.readableRecords(b);
    }

    /** The same bytes with the CRC recomputed (after a test changed a covered byte). */
    public static MemoryRecords withCrcRecomputed(ByteBuffer batch) {
        ByteBuffer copy = ByteBuffer.allocate(batch.remaining());
        copy.put(batch.duplicate()).flip();
        copy.putInt(17, (int) Crc32C.compute(copy, 21, copy.limit() - 21));
        return MemoryRecords.readableRecords(copy);
    }

    /** One well-formed record: timestamp delta and offset delta {@code offsetDelta}, one header {@code h}. */
    static byte[] record(int offsetDelta, byte[] key, byte[] value) {
        Bytes body = new Bytes().raw(0).varlong(offsetDelta).varint(offsetDelta);
        lengthPrefixed(body, key);
        lengthPrefixed(body, value);
        body.varint(1).varint(1).raw('h');
        lengthPrefixed(body, utf8("hv-" + offsetDelta));
        return new Bytes().varint(body.size()).bytes(body.toArray()).toArray();
    }

    /**
     * A record at {@code offsetDelta} whose fields after the offset delta (or, with {@code fromOffsetDelta}, from the
     * offset delta on) are written by {@code rest}; its length matches what was written.
     */
    private static byte[] custom(int offsetDelta, boolean fromOffsetDelta, Consumer<Bytes> rest) {
        Bytes body = new Bytes().raw(0).varlong(offsetDelta);
        if (!fromOffsetDelta) {
            body.varint(offsetDelta);
        }
        rest.accept(body);
        return new Bytes().varint(body.size()).bytes(body.toArray()).toArray();
    }

    private static byte[] custom(int offsetDelta, Consumer<Bytes> rest) {
        return custom(offsetDelta, false, rest);
    }

    private static byte[] withHeaderCount(int offsetDelta, int headerCount) {
        return custom(
                offsetDelta,
                b -> b.varint(-1).varint(1).raw('v').varint(headerCount).raw(2, 'h', 0));
    }

    private static byte[] elevenByteTimestampDelta() {
        Bytes body = new Bytes().raw(0).raw(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
        body.varint(1).varint(-1).varint(-1).varint(0);
        return new Bytes().varint(body.size()).bytes(body.toArray()).toArray();
    }

    /** {@code record} with its length prefix replaced by {@code length} (the body unchanged). */
    private static byte[] withLength(byte[] record, int length) {
        ByteBuffer in = ByteBuffer.wrap(record);
        ByteUtils.readVarint(in);
        byte[] body = new byte[in.remaining()];
        in.get(body);
        return new Bytes().varint(length).bytes(body).toArray();
    }

    private static int bodyLength(byte[] record) {
        return ByteUtils.readVarint(ByteBuffer.wrap(record));
    }

    private static void lengthPrefixed(Bytes out, byte[] field) {
        if (field == null) {
            out.varint(-1);
        } else {
            out.varint(field.length).bytes(field);
        }
    }

    private static byte[] compress(CompressionType codec, byte[] records) {
        if (codec == CompressionType.NONE) {
            return records;
        }
        ByteBufferOutputStream out = new ByteBufferOutputStream(records.length + 64);
        try (OutputStream compressing = Compression.of(codec).build().wrapForOutput(out, RecordBatch.MAGIC_VALUE_V2)) {
            compressing.write(records);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteBuffer compressed = out.buffer().flip();
        byte[] payload = new byte[compressed.remaining()];
        compressed.get(payload);
        return payload;
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new Random(20_260_517L).nextBytes(bytes);
        return bytes;
    }

    private static byte[] concat(byte[]... parts) {
        Bytes out = new Bytes();
        for (byte[] part : parts) {
            out.bytes(part);
        }
        return out.toArray();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A byte sink with Kafka's varint encodings. */
    static final class Bytes {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Bytes raw(int... values) {
            for (int v : values) {
                out.write(v);
            }
            return this;
        }

        Bytes bytes(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        Bytes varint(int v) {
            int raw = (v << 1) ^ (v >> 31);
            while ((raw & ~0x7f) != 0) {
                out.write((raw & 0x7f) | 0x80);
                raw >>>= 7;
            }
            out.write(raw);
            return this;
        }

        Bytes varlong(long v) {
            long raw = (v << 1) ^ (v >> 63);
            while ((raw & ~0x7fL) != 0) {
                out.write((int) ((raw & 0x7f) | 0x80));
                raw >>>= 7;
            }
            out.write((int) raw);
            return this;
        }

        int size() {
            return out.size();
        }

        byte[] toArray() {
            return out.toByteArray();
        }
    }
}
