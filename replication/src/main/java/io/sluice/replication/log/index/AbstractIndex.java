package io.sluice.replication.log.index;

import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A memory-mapped file of fixed-size entries sorted by key, searched by binary search.
 *
 * <p>File layout: {@code entries * entrySize()} bytes of entries, no header. While the segment is active the file is
 * preallocated to {@code maxIndexSize} (rounded down to a whole entry) and the tail is zero; on roll and on close it
 * is trimmed to the valid entries, so after a clean shutdown {@code fileLength / entrySize} is the entry count.
 *
 * <p>Search: lookups mostly hit the tail (consumers and followers read near the log end), so the last
 * {@value #WARM_BYTES} bytes are searched first when the target falls there; those pages stay in the page cache
 * and a tail lookup touches no cold page.
 *
 * <p>Concurrency: one writer (the owning log's lock holder) appends, truncates, resizes and closes; any number of
 * readers search lock-free. The writer stores an entry and then publishes it through the volatile {@code entries}
 * count; a resize publishes a new mapping through the volatile {@code mmap}. A replaced mapping is never unmapped
 * explicitly (the garbage collector releases it), so a reader holding an old mapping never faults. A reader racing
 * with a truncation may see entries that were just removed; callers validate what they find in the log file.
 *
 * <p>File identity. The index remembers the file it mapped ({@link FileIdentity}: the device and inode on Linux) and
 * follows every rename of it or of its directory ({@link #renameTo}, {@link #updateParentDir}). Every change of the
 * file's length first checks that the file at the remembered path is still that file and refuses otherwise, so a
 * stale index can never resize a file that a newer log created under the same name (a topic deleted and re-created,
 * a segment replaced). {@link #closeWithoutTrim()} (a deleted log) closes without touching the file at all.
 */
public abstract class AbstractIndex implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(AbstractIndex.class);

    /** Bytes at the end of the index searched first. */
    protected static final int WARM_BYTES = 8192;

    /** Key of one slot: the absolute offset or the timestamp, depending on the search. */
    @FunctionalInterface
    protected interface SlotKey {
        long key(ByteBuffer mmap, int slot);
    }

    private volatile File file;
    private final long baseOffset;
    private volatile MappedByteBuffer mmap;
    private volatile int entries;
    private volatile int maxEntries;
    /** The identity of the mapped file. */
    private final FileIdentity identity;
    /** Set once closed; a closed index never changes its file again. Writer only. */
    private volatile boolean closed;

    protected AbstractIndex(File file, long baseOffset, int maxIndexSize) {
        this.file = file;
        this.baseOffset = baseOffset;
        try {
            boolean isNew = !file.exists() || file.length() == 0;
            try (RandomAccessFile raf = new RandomAccessFile(file, "rw")) {
                long length = raf.length();
                int validEntries = isNew ? 0 : (int) (length / entrySize());
                if (isNew) {
                    raf.setLength(roundDown(maxIndexSize));
                }
                this.entries = validEntries;
                this.mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, raf.length());
                this.maxEntries = mmap.limit() / entrySize();
            }
            this.identity = FileIdentity.of(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open index " + file, e);
        }
    }

    /** Bytes per entry. */
    protected abstract int entrySize();

    public File file() {
        return file;
    }

    public long baseOffset() {
        return baseOffset;
    }

    public int entries() {
        return entries;
    }

    public int maxEntries() {
        return maxEntries;
    }

    public boolean isFull() {
        return entries >= maxEntries;
    }

    /** Length of the file (or mapping) in bytes. */
    public int length() {
        return mmap.limit();
    }

    protected MappedByteBuffer mmap() {
        return mmap;
    }

    /** Stores the entry bytes with {@code writer} at the next slot, then publishes it. Writer only. */
    protected void appendEntry(EntryWriter writer) {
        if (isFull()) {
            throw new IllegalStateException("index " + file + " is full (" + entries + " entries)");
        }
        int n = entries;
        writer.write(mmap, n * entrySize());
        entries = n + 1;
    }

    /** Writes one entry at an absolute byte index of the mapping. */
    @FunctionalInterface
    protected interface EntryWriter {
        void write(ByteBuffer mmap, int at);
    }

    /** Forgets every entry from slot {@code n} on. Writer only. */
    protected void truncateToEntries(int n) {
        entries = Math.max(0, Math.min(n, entries));
    }

    /** Forgets every entry. Writer only. */
    public void reset() {
        truncateToEntries(0);
    }

    /**
     * Returns the largest slot whose key is at most {@code target}, or -1 when every key is larger. Lock-free.
     */
    protected int largestLowerBoundSlot(long target, SlotKey keyOf) {
        int n = entries;
        ByteBuffer buffer = mmap;
        if (n == 0 || keyOf.key(buffer, 0) > target) {
            return -1;
        }
        int warmEntries = WARM_BYTES / entrySize();
        int firstHot = Math.max(0, n - warmEntries);
        if (keyOf.key(buffer, firstHot) <= target) {
            return search(buffer, target, firstHot, n - 1, keyOf);
        }
        return search(buffer, target, 0, firstHot, keyOf);
    }

    private static int search(ByteBuffer buffer, long target, int lo, int hi, SlotKey keyOf) {
        // invariant: key(lo) <= target; answer in [lo, hi]
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (keyOf.key(buffer, mid) <= target) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /**
     * Remaps the file to {@code newSize} bytes (rounded down to whole entries, never below the valid entries).
     *
     * @throws IllegalStateException when the index is closed or the file at its path is no longer the mapped one
     */
    public void resize(int newSize) {
        int rounded = Math.max(roundDown(newSize), entries * entrySize());
        if (rounded == mmap.limit()) {
            return;
        }
        if (closed) {
            throw new IllegalStateException("index " + file + " is closed");
        }
        try (RandomAccessFile raf = new RandomAccessFile(requireSameFile(), "rw")) {
            raf.setLength(rounded);
            mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, rounded);
            maxEntries = rounded / entrySize();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resize index " + file, e);
        }
    }

    /** Shrinks the file to the valid entries (on roll and close). */
    public void trimToValidSize() {
        resize(entries * entrySize());
    }

    /** Forces the mapped entries to disk. */
    public void flush() {
        mmap.force();
    }

    /** Renames the file (for example to {@code .deleted}); the mapping stays valid. */
    public void renameTo(File target) throws IOException {
        Files.move(requireSameFile().toPath(), target.toPath(), StandardCopyOption.REPLACE_EXISTING);
        file = target;
    }

    /** Points the index at its file's new path after its directory was renamed (the file itself did not change). */
    public void updateParentDir(File dir) {
        file = new File(dir, file.getName());
    }

    /** Deletes the file if it is still the mapped one; a file some other index created under this name stays. */
    public boolean deleteIfExists() throws IOException {
        if (!identity.isAt(file)) {
            // a .deleted file replaced by a later segment's of the same name, or already gone: not ours to delete
            LOG.debug("Not deleting {}: it is no longer the index's file", file);
            return false;
        }
        return Files.deleteIfExists(file.toPath());
    }

    /**
     * Trims the file to the valid entries and closes the index; the mapping is left to the garbage collector so
     * lock-free readers never fault. A file that is gone or no longer the mapped one is left alone. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (identity.isAt(file)) {
            trimToValidSize();
        } else if (file.exists()) {
            LOG.warn("Index {} no longer names the file it mapped; closing without trimming it", file);
        }
        closed = true;
    }

    /** Closes the index without touching its file (for a log being deleted). Idempotent. */
    public void closeWithoutTrim() {
        closed = true;
    }

    public boolean isClosed() {
        return closed;
    }

    /** The index's file, after checking that it is still the mapped one. */
    private File requireSameFile() throws IOException {
        File current = file;
        if (!identity.isAt(current)) {
            throw new IOException("index file " + current + " is missing or was replaced by another file");
        }
        return current;
    }

    private int roundDown(int size) {
        return Math.max(0, size - size % entrySize());
    }

    protected int relativeOffset(long offset) {
        long relative = offset - baseOffset;
        if (relative < 0 || relative > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("offset " + offset + " does not fit index with base " + baseOffset);
        }
        return (int) relative;
    }
}
