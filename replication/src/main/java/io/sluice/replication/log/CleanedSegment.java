package io.sluice.replication.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.record.MemoryRecords;

/**
 * A segment being written by the cleaner, in files named {@code <base>.log.cleaned}, {@code <base>.index.cleaned}
 * and {@code <base>.timeindex.cleaned} that no reader and no load ever uses, until
 * {@link UnifiedLog#replaceSegments} swaps it in; {@link #abort} removes it instead.
 *
 * <p>Concurrency: owned by one cleaner thread until it is handed to {@link UnifiedLog#replaceSegments}.
 */
public final class CleanedSegment {

    private final LogSegment segment;
    private boolean finished;
    private boolean released;

    CleanedSegment(LogSegment segment) {
        this.segment = segment;
    }

    public long baseOffset() {
        return segment.baseOffset();
    }

    /** Bytes written so far. */
    public int sizeInBytes() {
        return segment.size();
    }

    /** The offset after the last batch written (the base offset when empty). */
    public long nextOffset() {
        return segment.nextOffset();
    }

    /**
     * Appends whole v2 batches that keep their offsets; offsets must increase and stay within the 4-byte relative
     * range of the segment's indexes.
     */
    public void append(MemoryRecords records) throws IOException {
        if (finished || released) {
            throw new IllegalStateException("cleaned segment " + baseOffset() + " is closed for appends");
        }
        ByteBuffer bytes = records.buffer();
        int start = bytes.position();
        List<BatchHeader> headers = new ArrayList<>();
        int at = start;
        while (at < bytes.limit()) {
            BatchHeader header = BatchHeader.parse(bytes, at, at - start);
            if (header.baseOffset() < segment.nextOffset() || header.lastOffset() - baseOffset() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("batch at offset " + header.baseOffset()
                        + " does not fit cleaned segment " + baseOffset() + " ending at " + segment.nextOffset());
            }
            headers.add(header);
            at += header.sizeInBytes();
        }
        if (!headers.isEmpty()) {
            segment.append(bytes, headers.toArray(new BatchHeader[0]));
        }
    }

    /** Trims the indexes, stamps the modification time of the replaced segments and forces the files to disk. */
    void finish(long lastModifiedMs) throws IOException {
        if (!finished) {
            segment.onRoll();
            segment.flush();
            segment.setLastModified(lastModifiedMs);
            finished = true;
        }
    }

    LogSegment segment() {
        return segment;
    }

    void markSwapped() {
        released = true;
    }

    /** Closes and removes the files unless the segment was swapped in. Safe to call twice. */
    public void abort() throws IOException {
        if (released) {
            return;
        }
        released = true;
        segment.close();
        segment.closeAndDelete();
    }
}
