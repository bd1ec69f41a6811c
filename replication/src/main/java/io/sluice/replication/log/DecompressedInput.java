package io.sluice.replication.log;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;

/**
 * The decompressed records of one batch as a {@link RecordWalker.RecordInput}: kafka-clients' streaming decompressor
 * ({@link Compression#wrapForInput}) read through a small window, with at most {@code maxUncompressedBytes} handed
 * out. Nothing is buffered beyond the window and the codec's own buffers: lz4 at most its 4 MiB block size, gzip,
 * snappy and zstd 16 KiB chunks (zstd's window lives off-heap in the native library). Snappy's xerial stream allocates
 * what its chunk headers claim, so a snappy payload's framing is checked first ({@link SnappyFraming}).
 *
 * <p>A decoding failure of the codec (including an {@link Error} from the snappy library, other than a VM or linkage
 * error) is a {@link CorruptRecordException}.
 *
 * <p>Not thread-safe: one walk on one thread; the decompression buffers come from a per-thread {@link BufferSupplier}.
 */
final class DecompressedInput extends RecordWalker.RecordInput implements AutoCloseable {
    private static final int WINDOW_BYTES = 8 * 1024;
    private static final ThreadLocal<BufferSupplier> BUFFERS = ThreadLocal.withInitial(BufferSupplier::create);
    /** The codecs by id, with default settings (which only matter for compressing). */
    private static final Compression[] CODECS = new Compression[CompressionType.ZSTD.id + 1];

    static {
        for (CompressionType type : CompressionType.values()) {
            CODECS[type.id] = Compression.of(type).build();
        }
    }

    private final CompressionType type;
    private final InputStream in;
    private final BufferSupplier buffers;
    private final ByteBuffer windowBuffer;
    private final byte[] window;
    private final long maxBytes;
    /** Bytes consumed before {@code window[0]}. */
    private long base;

    private int position;
    private int limit;

    private DecompressedInput(
            CompressionType type, InputStream in, BufferSupplier buffers, ByteBuffer windowBuffer, long maxBytes) {
        this.type = type;
        this.in = in;
        this.buffers = buffers;
        this.windowBuffer = windowBuffer;
        this.window = windowBuffer.array();
        this.maxBytes = maxBytes;
    }

    /** Opens the decompressed view of {@code buffer[start, end)}, compressed with {@code type}. */
    static DecompressedInput open(CompressionType type, ByteBuffer buffer, int start, int end, long maxBytes) {
        ByteBuffer payload = buffer.duplicate();
        payload.limit(end).position(start);
        payload = payload.slice();
        if (type == CompressionType.SNAPPY) {
            SnappyFraming.check(payload);
        }
        BufferSupplier buffers = BUFFERS.get();
        InputStream in;
        try {
            in = CODECS[type.id].wrapForInput(payload, RecordBatch.MAGIC_VALUE_V2, buffers);
        } catch (RuntimeException e) {
            throw corrupt(type, e);
        } catch (Error e) {
            throw corruptOrRethrow(type, e);
        }
        return new DecompressedInput(type, in, buffers, buffers.get(WINDOW_BYTES), maxBytes);
    }

    @Override
    int readByte() {
        if (position == limit && !fill()) {
            throw prematureEof();
        }
        return window[position++] & 0xff;
    }

    /** Read from the window without refilling when the longest varint fits in it. */
    @Override
    int readVarint(int record, String field) {
        if (limit - position < 5) {
            return super.readVarint(record, field);
        }
        int at = position;
        int raw = 0;
        for (int shift = 0; shift < 28; shift += 7) {
            int b = window[at++];
            if (b >= 0) {
                position = at;
                raw |= b << shift;
                return (raw >>> 1) ^ -(raw & 1);
            }
            raw |= (b & 0x7f) << shift;
        }
        return super.readVarint(record, field); // a 5-byte varint: the generic reader checks its last byte
    }

    @Override
    void skip(int n) {
        int inWindow = limit - position;
        if (n <= inWindow) {
            position += n;
            return;
        }
        long left = n - inWindow;
        base += limit;
        position = 0;
        limit = 0;
        while (left > 0) {
            long skipped = skipStream(left);
            if (skipped > 0) {
                left -= skipped;
                base += skipped;
            } else if (fill()) {
                int take = (int) Math.min(left, limit);
                position = take;
                left -= take;
            } else {
                throw prematureEof();
            }
        }
    }

    @Override
    long consumed() {
        return base + position;
    }

    @Override
    boolean atEnd() {
        return position == limit && !fill();
    }

    @Override
    long maxRemaining() {
        return maxBytes - consumed();
    }

    @Override
    void requireAvailable(int length, int record) {
        if (length > maxBytes) {
            throw new InvalidRecordException("record " + record + " claims " + length + " bytes, more than the "
                    + maxBytes + " bytes the records of one " + type.name + " batch may decompress to");
        }
        if (length > maxRemaining()) {
            throw new RecordTooLargeException("the records of a " + type.name + " batch decompress to more than "
                    + maxBytes + " bytes (record " + record + " claims " + length + " bytes after "
                    + consumed() + ")");
        }
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException | RuntimeException e) {
            // nothing was lost: the walk is over either way
        } finally {
            buffers.release(windowBuffer);
        }
    }

    /** Refills the (fully consumed) window; false at the end of the stream. */
    private boolean fill() {
        base += limit;
        position = 0;
        limit = 0;
        try {
            int read;
            do {
                read = in.read(window, 0, window.length);
            } while (read == 0);
            if (read < 0) {
                return false;
            }
            limit = read;
            return true;
        } catch (IOException | RuntimeException e) {
            throw corrupt(type, e);
        } catch (Error e) {
            throw corruptOrRethrow(type, e);
        }
    }

    private long skipStream(long n) {
        try {
            return in.skip(n);
        } catch (IOException | RuntimeException e) {
            throw corrupt(type, e);
        } catch (Error e) {
            throw corruptOrRethrow(type, e);
        }
    }

    private static InvalidRecordException prematureEof() {
        return new InvalidRecordException(
                "record runs past the end of its batch's decompressed records (premature EOF)");
    }

    private static CorruptRecordException corrupt(CompressionType type, Throwable cause) {
        return new CorruptRecordException(
                "the " + type.name + " records of a batch cannot be decompressed: " + cause.getMessage(), cause);
    }

    /** Codec errors thrown as {@link Error} (snappy) are corrupt input; VM and linkage errors are not. */
    private static CorruptRecordException corruptOrRethrow(CompressionType type, Error e) {
        if (e instanceof VirtualMachineError || e instanceof LinkageError) {
            throw e;
        }
        return corrupt(type, e);
    }
}
