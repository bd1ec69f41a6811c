package io.sluice.broker.network;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Objects;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.DefaultRecordsSend;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordsSend;

/**
 * A run of v2 record batches inside a log segment file: {@code length} bytes of {@code channel} starting at
 * {@code position}. Fetch handlers put this in a response's {@code records} field; the {@link ResponseWriter} then
 * sends the bytes with {@code sendfile} (a Netty {@code FileRegion}) without copying them through the heap, and
 * never closes {@code channel}.
 *
 * <p>Lifetime: the owner of the segment must keep {@code channel} open and the byte range unchanged until the
 * response has been written (segment deletion and truncation must be delayed, as Kafka delays file deletion).
 *
 * <p>{@link #toSend()} is part of {@link BaseRecords} but the network path never calls it; it reads the slice into
 * a heap buffer so that any other caller still gets correct bytes.
 *
 * <p>Concurrency: immutable; reads are positional, so one channel may be shared by many slices and threads.
 */
public final class FileRecordsSlice implements BaseRecords {

    private final FileChannel channel;
    private final long position;
    private final int length;

    public FileRecordsSlice(FileChannel channel, long position, int length) {
        this.channel = Objects.requireNonNull(channel, "channel");
        if (position < 0 || length < 0) {
            throw new IllegalArgumentException("negative position " + position + " or length " + length);
        }
        this.position = position;
        this.length = length;
    }

    public FileChannel channel() {
        return channel;
    }

    public long position() {
        return position;
    }

    public int length() {
        return length;
    }

    @Override
    public int sizeInBytes() {
        return length;
    }

    /** Copies the slice into a heap buffer; the network path never calls this. */
    @Override
    public RecordsSend<? extends BaseRecords> toSend() {
        return new DefaultRecordsSend<>(MemoryRecords.readableRecords(readFully()));
    }

    /** Reads the whole slice into a new heap buffer (positional reads; the channel's position is not moved). */
    ByteBuffer readFully() {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        try {
            while (buffer.hasRemaining()) {
                int read = channel.read(buffer, position + buffer.position());
                if (read < 0) {
                    throw new IllegalStateException("slice " + this + " extends past the end of the file");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + this, e);
        }
        return buffer.flip();
    }

    @Override
    public String toString() {
        return "FileRecordsSlice{position=" + position + ", length=" + length + "}";
    }
}
