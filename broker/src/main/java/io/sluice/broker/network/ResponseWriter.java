package io.sluice.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.MessageSizeAccumulator;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.Writable;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.MemoryRecords;

/**
 * Encodes one response frame into an ordered list of Netty messages: pooled {@link ByteBuf}s for ordinary fields and,
 * for each {@link FileRecordsSlice}, a {@link NonClosingFileRegion} sent with {@code sendfile}.
 *
 * <p>Frame layout (all big-endian): {@code int32 size} (bytes that follow) + response header (v0: int32 correlation
 * id; v1: the same plus tagged fields) + body at the request's version. The size is computed once with an
 * {@link ObjectSerializationCache} that is then reused for writing, so strings and tagged fields are serialized
 * exactly once. {@link MemoryRecords} are copied into the buffer; with {@code zeroCopy == false} (TLS) file slices
 * are read with positional reads into pooled buffers of 64 KiB each.
 *
 * <p>Concurrency: not thread-safe; one instance encodes one response on one thread.
 */
public final class ResponseWriter implements Writable {

    private static final int MIN_BUFFER = 64;
    /** Bytes of file-backed records copied per buffer when they cannot be sent with {@code sendfile}. */
    static final int FILE_CHUNK = 64 * 1024;

    private final ByteBufAllocator allocator;
    private final boolean zeroCopy;
    private final List<Object> parts = new ArrayList<>(3);
    private int ordinaryRemaining;
    private ByteBuf current;
    private long written;

    private ResponseWriter(ByteBufAllocator allocator, boolean zeroCopy, int ordinaryBytes) {
        this.allocator = allocator;
        this.zeroCopy = zeroCopy;
        this.ordinaryRemaining = ordinaryBytes;
    }

    /** An encoded frame: the messages to write in order, and the total number of bytes they carry. */
    public record EncodedResponse(List<Object> parts, int sizeInBytes) {
        /** Releases every part (for a response that will not be written). */
        public void release() {
            parts.forEach(ReferenceCountUtil::safeRelease);
        }
    }

    /**
     * Encodes a whole response frame.
     *
     * @param headerVersion the response header version ({@code ApiKeys.responseHeaderVersion(version)}; always 0 for
     *     ApiVersions)
     * @param zeroCopy whether file-backed records may be sent as file regions (false under TLS)
     * @throws RuntimeException if {@code body} cannot be encoded at {@code version}; nothing is leaked
     */
    public static EncodedResponse encode(
            ByteBufAllocator allocator,
            int correlationId,
            short headerVersion,
            ApiMessage body,
            short version,
            boolean zeroCopy) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(correlationId);
        MessageSizeAccumulator size = new MessageSizeAccumulator();
        header.addSize(size, cache, headerVersion);
        body.addSize(size, cache, version);
        ResponseWriter writer = new ResponseWriter(allocator, zeroCopy, Integer.BYTES + size.sizeExcludingZeroCopy());
        try {
            writer.writeInt(size.totalSize());
            header.write(writer, cache, headerVersion);
            body.write(writer, cache, version);
            writer.finishCurrent();
            long expected = Integer.BYTES + (long) size.totalSize();
            if (writer.written != expected) {
                throw new IllegalStateException(
                        "encoded " + writer.written + " bytes but sized " + expected + " for " + body.getClass());
            }
            return new EncodedResponse(List.copyOf(writer.parts), (int) expected);
        } catch (RuntimeException e) {
            writer.releaseAll();
            throw e;
        }
    }

    private ByteBuf buffer(int bytes) {
        if (current == null) {
            current = allocator.buffer(Math.max(MIN_BUFFER, Math.max(ordinaryRemaining, bytes)));
        }
        written += bytes;
        return current;
    }

    private ByteBuf ordinary(int bytes) {
        ordinaryRemaining -= bytes;
        return buffer(bytes);
    }

    private void finishCurrent() {
        if (current != null) {
            if (current.isReadable()) {
                parts.add(current);
            } else {
                current.release();
            }
            current = null;
        }
    }

    private void releaseAll() {
        parts.forEach(ReferenceCountUtil::safeRelease);
        parts.clear();
        if (current != null) {
            current.release();
            current = null;
        }
    }

    @Override
    public void writeByte(byte val) {
        ordinary(1).writeByte(val);
    }

    @Override
    public void writeShort(short val) {
        ordinary(2).writeShort(val);
    }

    @Override
    public void writeInt(int val) {
        ordinary(4).writeInt(val);
    }

    @Override
    public void writeLong(long val) {
        ordinary(8).writeLong(val);
    }

    @Override
    public void writeDouble(double val) {
        ordinary(8).writeDouble(val);
    }

    @Override
    public void writeByteArray(byte[] arr) {
        ordinary(arr.length).writeBytes(arr);
    }

    @Override
    public void writeByteBuffer(ByteBuffer buf) {
        ordinary(buf.remaining()).writeBytes(buf.duplicate());
    }

    @Override
    public void writeUnsignedVarint(int i) {
        int value = i;
        while ((value & 0xffffff80) != 0) {
            ordinary(1).writeByte((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        ordinary(1).writeByte(value);
    }

    @Override
    public void writeVarint(int i) {
        writeUnsignedVarint((i << 1) ^ (i >> 31));
    }

    @Override
    public void writeVarlong(long i) {
        long value = (i << 1) ^ (i >> 63);
        while ((value & 0xffffffffffffff80L) != 0L) {
            ordinary(1).writeByte(((int) value & 0x7f) | 0x80);
            value >>>= 7;
        }
        ordinary(1).writeByte((int) value);
    }

    /**
     * Writes a records field's bytes (its length prefix has already been written by the generated code). Memory
     * records are copied; a {@link FileRecordsSlice} becomes a file region, or a positional copy without zero-copy.
     */
    @Override
    public void writeRecords(BaseRecords records) {
        if (records instanceof FileRecordsSlice slice) {
            if (slice.length() == 0) {
                return;
            }
            if (zeroCopy) {
                finishCurrent();
                parts.add(new NonClosingFileRegion(slice));
                written += slice.length();
            } else {
                copyFromFile(slice);
            }
        } else if (records instanceof MemoryRecords memory) {
            ByteBuffer bytes = memory.buffer();
            buffer(bytes.remaining()).writeBytes(bytes.duplicate());
        } else {
            throw new IllegalArgumentException(
                    "Unsupported records type " + records.getClass().getName());
        }
    }

    /**
     * Copies a file slice into pooled buffers of at most {@link #FILE_CHUNK} bytes each (each one a message of its own),
     * so that a large fetch under TLS never needs one buffer of the whole response.
     */
    private void copyFromFile(FileRecordsSlice slice) {
        finishCurrent();
        int copied = 0;
        while (copied < slice.length()) {
            int size = Math.min(FILE_CHUNK, slice.length() - copied);
            ByteBuf chunk = allocator.buffer(size, size);
            try {
                int filled = 0;
                while (filled < size) {
                    int read = chunk.writeBytes(slice.channel(), slice.position() + copied + filled, size - filled);
                    if (read < 0) {
                        throw new IllegalStateException(slice + " extends past the end of the file");
                    }
                    filled += read;
                }
            } catch (IOException e) {
                chunk.release();
                throw new UncheckedIOException("copying " + slice, e);
            } catch (RuntimeException e) {
                chunk.release();
                throw e;
            }
            parts.add(chunk);
            copied += size;
            written += size;
        }
    }
}
