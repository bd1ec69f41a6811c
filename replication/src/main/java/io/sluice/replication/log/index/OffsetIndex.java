package io.sluice.replication.log.index;

import java.io.File;
import java.nio.ByteBuffer;

/**
 * Sparse map from offset to file position for one segment ({@code <baseOffset>.index}).
 *
 * <pre>
 * entry (8 bytes, big-endian), one every index.interval.bytes of log:
 *   0-3  relative offset  int32  batch base offset - segment base offset
 *   4-7  position         int32  byte position of that batch in the .log file
 * </pre>
 *
 * Entries are strictly increasing in both fields. A lookup returns the entry with the largest offset at most the
 * target; the caller then scans the log file forward from its position.
 *
 * <p>Concurrency: see {@link AbstractIndex}; one writer, lock-free readers.
 */
public final class OffsetIndex extends AbstractIndex {

    /** Bytes per entry. */
    public static final int ENTRY_SIZE = 8;

    private final SlotKey byOffset = (buffer, slot) -> baseOffset() + buffer.getInt(slot * ENTRY_SIZE);

    public OffsetIndex(File file, long baseOffset, int maxIndexSize) {
        super(file, baseOffset, maxIndexSize);
    }

    @Override
    protected int entrySize() {
        return ENTRY_SIZE;
    }

    /** The entry with the largest offset at most {@code targetOffset}, or (base offset, 0) when there is none. */
    public OffsetPosition lookup(long targetOffset) {
        ByteBuffer buffer = mmap();
        int slot = largestLowerBoundSlot(targetOffset, byOffset);
        if (slot < 0) {
            return new OffsetPosition(baseOffset(), 0);
        }
        return parse(buffer, slot);
    }

    public OffsetPosition entry(int slot) {
        if (slot < 0 || slot >= entries()) {
            throw new IndexOutOfBoundsException("slot " + slot + " of " + entries());
        }
        return parse(mmap(), slot);
    }

    /** The last entry, or (base offset, 0) when the index is empty. */
    public OffsetPosition lastEntry() {
        int n = entries();
        return n == 0 ? new OffsetPosition(baseOffset(), 0) : parse(mmap(), n - 1);
    }

    private OffsetPosition parse(ByteBuffer buffer, int slot) {
        return new OffsetPosition(
                baseOffset() + buffer.getInt(slot * ENTRY_SIZE), buffer.getInt(slot * ENTRY_SIZE + 4));
    }

    /** Adds an entry; offsets and positions must increase. Writer only. */
    public void append(long offset, int position) {
        int relative = relativeOffset(offset);
        if (entries() > 0) {
            OffsetPosition last = lastEntry();
            if (offset <= last.offset() || position <= last.position()) {
                throw new IllegalArgumentException(
                        "index entry (" + offset + ", " + position + ") not after " + last + " in " + file());
            }
        }
        appendEntry((buffer, at) -> {
            buffer.putInt(at, relative);
            buffer.putInt(at + 4, position);
        });
    }

    /** Removes every entry with offset at least {@code offset}. Writer only. */
    public void truncateTo(long offset) {
        int slot = largestLowerBoundSlot(offset - 1, byOffset);
        truncateToEntries(slot + 1);
    }

    /**
     * Checks the file shape: whole entries, offsets not below the base, strictly increasing at the ends.
     *
     * @return a description of the first problem, or {@code null} when the index looks sane
     */
    public String sanityCheck() {
        if (length() % ENTRY_SIZE != 0) {
            return "length " + length() + " is not a multiple of " + ENTRY_SIZE;
        }
        int n = entries();
        for (int slot = Math.max(1, n - 2); slot < n; slot++) {
            OffsetPosition previous = entry(slot - 1);
            OffsetPosition current = entry(slot);
            if (current.offset() <= previous.offset() || current.position() <= previous.position()) {
                return "entries " + previous + " and " + current + " are not increasing";
            }
        }
        return null;
    }
}
