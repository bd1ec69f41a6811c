package io.sluice.replication.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.apache.kafka.common.record.RecordBatch;

/**
 * Walks the batch headers of a segment file between two positions with positional reads through a small buffer.
 * A header that cannot be a v2 batch (too short, wrong magic, running past the limit) ends the walk and is reported
 * by {@link #stopReason()}; the caller decides whether that is a torn tail (recovery) or a concurrent truncation
 * (readers).
 *
 * <p>Concurrency: not thread-safe; one instance per walk. Uses only positional reads, so any number of walks may run
 * on the same channel while the writer appends.
 */
final class SegmentFileReader {

    private final FileChannel channel;
    private final int limit;
    private final int maxBatchSize;
    private ByteBuffer buffer;
    private long bufferStart;
    private int bufferValid;
    private int position;
    private String stopReason;

    SegmentFileReader(FileChannel channel, int start, int limit, int bufferSize, int maxBatchSize) {
        this.channel = channel;
        this.position = start;
        this.limit = limit;
        this.maxBatchSize = maxBatchSize;
        this.buffer = ByteBuffer.allocate(Math.max(bufferSize, BatchHeader.SIZE));
        this.bufferStart = -1;
    }

    /** The position of the next header. */
    int position() {
        return position;
    }

    /** Why the walk stopped before the limit, or {@code null} when it ended cleanly (or has not ended). */
    String stopReason() {
        return stopReason;
    }

    /** The next header, or {@code null} at the limit or at the first bytes that are not a plausible batch. */
    BatchHeader next() {
        if (position >= limit || stopReason != null) {
            return null;
        }
        int remaining = limit - position;
        if (remaining < BatchHeader.SIZE || !ensure(position, BatchHeader.SIZE)) {
            stopReason = remaining + " bytes at position " + position + " are shorter than a batch header";
            return null;
        }
        int at = (int) (position - bufferStart);
        BatchHeader header = BatchHeader.parse(buffer, at, position);
        if (header.magic() != RecordBatch.MAGIC_VALUE_V2) {
            stopReason = "magic " + header.magic() + " at position " + position;
            return null;
        }
        if (header.sizeInBytes() < BatchHeader.SIZE || header.lastOffsetDelta() < 0) {
            stopReason = "batch size " + header.sizeInBytes() + " / last offset delta " + header.lastOffsetDelta()
                    + " at position " + position;
            return null;
        }
        if (maxBatchSize > 0 && header.sizeInBytes() > maxBatchSize) {
            stopReason = "batch size " + header.sizeInBytes() + " above " + maxBatchSize + " at position " + position;
            return null;
        }
        if (header.sizeInBytes() > remaining) {
            stopReason = "batch of " + header.sizeInBytes() + " bytes at position " + position + " runs past " + limit;
            return null;
        }
        position += header.sizeInBytes();
        return header;
    }

    /** The full bytes of a header returned by {@link #next()} (a view valid until the next call). */
    ByteBuffer batchBytes(BatchHeader header) {
        int start = (int) header.position();
        if (!ensure(start, header.sizeInBytes())) {
            throw new UncheckedIOException(new IOException("batch at " + start + " shorter than its header says"));
        }
        int at = (int) (start - bufferStart);
        return buffer.duplicate().position(at).limit(at + header.sizeInBytes()).slice();
    }

    private boolean ensure(long from, int need) {
        if (bufferStart >= 0 && from >= bufferStart && from + need <= bufferStart + bufferValid) {
            return true;
        }
        if (need > buffer.capacity()) {
            buffer = ByteBuffer.allocate(need);
        }
        int want = (int) Math.min(buffer.capacity(), limit - from);
        buffer.clear().limit(want);
        try {
            while (buffer.hasRemaining()) {
                int n = channel.read(buffer, from + buffer.position());
                if (n < 0) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        bufferStart = from;
        bufferValid = buffer.position();
        return bufferValid >= need;
    }
}
