package io.sluice.replication.log;

import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;

/**
 * Lazily walks the batch headers of a log from the batch holding a start offset up to an end offset, crossing
 * segments.
 *
 * <p>Concurrency: one instance per walk, not thread-safe; reads the segment map and files lock-free like any reader.
 */
final class LogBatchIterator implements Iterator<BatchHeader> {

    private final NavigableMap<Long, LogSegment> segments;
    private final long end;
    private Map.Entry<Long, LogSegment> entry;
    private SegmentFileReader reader;
    private BatchHeader next;

    LogBatchIterator(NavigableMap<Long, LogSegment> segments, long from, long end) {
        this.segments = segments;
        this.end = end;
        this.entry = segments.floorEntry(from);
        if (entry == null) {
            entry = segments.firstEntry();
        }
        if (entry != null && from < end) {
            BatchHeader first = entry.getValue().translateOffset(from);
            reader = first == null ? null : entry.getValue().reader((int) first.position());
        } else {
            entry = null;
        }
        advance();
    }

    private void advance() {
        next = null;
        while (entry != null) {
            if (reader != null) {
                BatchHeader header = reader.next();
                if (header != null) {
                    if (header.baseOffset() < end) {
                        next = header;
                    } else {
                        entry = null;
                    }
                    return;
                }
            }
            entry = segments.higherEntry(entry.getKey());
            reader = entry == null ? null : entry.getValue().reader(0);
        }
    }

    @Override
    public boolean hasNext() {
        return next != null;
    }

    @Override
    public BatchHeader next() {
        if (next == null) {
            throw new NoSuchElementException();
        }
        BatchHeader current = next;
        advance();
        return current;
    }
}
