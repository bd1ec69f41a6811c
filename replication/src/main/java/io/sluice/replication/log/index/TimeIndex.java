package io.sluice.replication.log.index;

import java.io.File;
import java.nio.ByteBuffer;

/**
 * Sparse map from timestamp to offset for one segment ({@code <baseOffset>.timeindex}).
 *
 * <pre>
 * entry (12 bytes, big-endian), written together with an offset index entry when the timestamp grew:
 *   0-7   timestamp        int64  largest batch max timestamp in the segment so far
 *   8-11  relative offset  int32  last offset of the batch carrying it - segment base offset
 * </pre>
 *
 * Both fields never decrease from entry to entry. Every batch before the entry's offset has a max timestamp at most
 * the entry's timestamp.
 *
 * <p>Concurrency: see {@link AbstractIndex}; one writer, lock-free readers.
 */
public final class TimeIndex extends AbstractIndex {

    /** Bytes per entry. */
    public static final int ENTRY_SIZE = 12;

    private final SlotKey byTimestamp = (buffer, slot) -> buffer.getLong(slot * ENTRY_SIZE);
    private final SlotKey byOffset = (buffer, slot) -> baseOffset() + buffer.getInt(slot * ENTRY_SIZE + 8);

    public TimeIndex(File file, long baseOffset, int maxIndexSize) {
        super(file, baseOffset, maxIndexSize);
    }

    @Override
    protected int entrySize() {
        return ENTRY_SIZE;
    }

    /** The entry with the largest timestamp at most {@code timestamp}, or (-1, base offset) when there is none. */
    public TimestampOffset lookup(long timestamp) {
        ByteBuffer buffer = mmap();
        int slot = largestLowerBoundSlot(timestamp, byTimestamp);
        return slot < 0 ? new TimestampOffset(-1L, baseOffset()) : parse(buffer, slot);
    }

    /** The last entry, or (-1, base offset) when the index is empty. */
    public TimestampOffset lastEntry() {
        int n = entries();
        return n == 0 ? new TimestampOffset(-1L, baseOffset()) : parse(mmap(), n - 1);
    }

    public TimestampOffset entry(int slot) {
        if (slot < 0 || slot >= entries()) {
            throw new IndexOutOfBoundsException("slot " + slot + " of " + entries());
        }
        return parse(mmap(), slot);
    }

    private TimestampOffset parse(ByteBuffer buffer, int slot) {
        return new TimestampOffset(
                buffer.getLong(slot * ENTRY_SIZE), baseOffset() + buffer.getInt(slot * ENTRY_SIZE + 8));
    }

    /** Adds an entry when {@code timestamp} is larger than the last one. Writer only. */
    public void maybeAppend(long timestamp, long offset) {
        int relative = relativeOffset(offset);
        if (entries() > 0) {
            TimestampOffset last = lastEntry();
            if (timestamp <= last.timestamp()) {
                return;
            }
            if (offset < last.offset()) {
                throw new IllegalArgumentException(
                        "time index entry (" + timestamp + ", " + offset + ") before " + last + " in " + file());
            }
        }
        if (isFull()) {
            throw new IllegalStateException("time index " + file() + " is full");
        }
        appendEntry((buffer, at) -> {
            buffer.putLong(at, timestamp);
            buffer.putInt(at + 8, relative);
        });
    }

    /** Removes every entry with offset at least {@code offset}. Writer only. */
    public void truncateTo(long offset) {
        int slot = largestLowerBoundSlot(offset - 1, byOffset);
        truncateToEntries(slot + 1);
    }

    /** @return a description of the first problem, or {@code null} when the index looks sane */
    public String sanityCheck() {
        if (length() % ENTRY_SIZE != 0) {
            return "length " + length() + " is not a multiple of " + ENTRY_SIZE;
        }
        int n = entries();
        for (int slot = Math.max(1, n - 2); slot < n; slot++) {
            TimestampOffset previous = entry(slot - 1);
            TimestampOffset current = entry(slot);
            if (current.timestamp() <= previous.timestamp() || current.offset() < previous.offset()) {
                return "entries " + previous + " and " + current + " are not increasing";
            }
        }
        return null;
    }
}
