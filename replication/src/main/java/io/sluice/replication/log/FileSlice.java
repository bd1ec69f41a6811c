package io.sluice.replication.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Objects;
import org.apache.kafka.common.record.MemoryRecords;

/**
 * A byte range of a segment file holding whole v2 record batches, ready for {@code sendfile}.
 *
 * <p>Concurrency: immutable. The channel belongs to the segment and must never be closed by the holder. It stays
 * open while the slice is in flight: deleted segments are closed only after {@link LogConfig#fileDeleteDelayMs()}.
 * A truncation that runs concurrently with a send may shrink the file, so the bytes past the new end may be short.
 *
 * @param channel the segment's file channel (shared, not owned)
 * @param position the first byte of the first batch
 * @param length the number of bytes, always whole batches; 0 for an empty read
 */
public record FileSlice(FileChannel channel, long position, int length) {

    public FileSlice {
        Objects.requireNonNull(channel, "channel");
        if (position < 0 || length < 0) {
            throw new IllegalArgumentException("position " + position + " length " + length);
        }
    }

    /**
     * Whether the bytes are on the heap ({@link HeapFileChannel}, e.g. read from the remote tier): such a slice has no
     * file descriptor and must be sent as heap records ({@link #readRecords()}), not with {@code sendfile}.
     */
    public boolean isOnHeap() {
        return channel instanceof HeapFileChannel;
    }

    public boolean isEmpty() {
        return length == 0;
    }

    /** Sends the whole slice with {@link FileChannel#transferTo}; returns the bytes sent. */
    public long transferTo(WritableByteChannel target) throws IOException {
        long sent = 0;
        while (sent < length) {
            long n = channel.transferTo(position + sent, length - sent, target);
            if (n <= 0) {
                break;
            }
            sent += n;
        }
        return sent;
    }

    /** Copies the slice to the heap (for TLS or tests); may be shorter than {@link #length()} after a truncation. */
    public MemoryRecords readRecords() throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position + buffer.position());
            if (n < 0) {
                break;
            }
        }
        buffer.flip();
        return MemoryRecords.readableRecords(buffer);
    }
}
