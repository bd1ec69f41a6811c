package io.sluice.replication.log.index;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aborted-transaction index of one partition log: one {@code <segment base offset as 20 digits>.txnindex} file
 * per segment that received an ABORT marker, each a sequence of fixed-size entries (Kafka's layout), big-endian:
 *
 * <pre>
 * byte  size  field
 * 0     2     version            int16, = 0
 * 2     8     producer id        int64
 * 10    8     first offset       int64, the aborted transaction's first batch on this partition
 * 18    8     last offset        int64, the ABORT marker
 * 26    8     last stable offset int64, the partition's LSO when the marker was appended
 * </pre>
 *
 * An entry goes into the file of the segment that holds its marker. A fetch with {@code read_committed} lists the
 * entries whose transaction overlaps the fetched range, so the consumer drops their records.
 *
 * <p>Recovery: the files are loaded at open; a torn trailing entry (crash during append) is cut off; files of
 * segments that no longer exist are deleted. Markers re-read while the producer state is rebuilt are offered again
 * through {@link #add}, which ignores a marker offset already indexed, so an index lost with an unflushed write is
 * restored for the markers after the producer snapshot.
 *
 * <p>Concurrency: {@link #add}, {@link #truncateFrom} and {@link #retainSegments} are called under the owning
 * partition log's lock; {@link #collect} may run concurrently with them (fetches take no lock), so every method is
 * {@code synchronized} (short, in-memory except for a rare file write).
 */
public final class AbortedTxnIndex {
    /** File name suffix. */
    public static final String SUFFIX = ".txnindex";
    /** Bytes per entry. */
    public static final int ENTRY_SIZE = 34;

    private static final Logger LOG = LoggerFactory.getLogger(AbortedTxnIndex.class);
    private static final Pattern NAME = Pattern.compile("(\\d{20})\\.txnindex");

    private final Path dir;
    private final String logPrefix;
    /** Segment base offset → its entries, ascending by marker offset. */
    private final TreeMap<Long, List<AbortedTxn>> bySegment = new TreeMap<>();
    /** Marker offset → entry, over all segments. */
    private final TreeMap<Long, AbortedTxn> byLastOffset = new TreeMap<>();

    private AbortedTxnIndex(Path dir, String logPrefix) {
        this.dir = dir;
        this.logPrefix = logPrefix;
    }

    /** Loads the index files of {@code dir}; those of segments not in {@code segmentBases} are deleted. */
    public static AbortedTxnIndex open(Path dir, Collection<Long> segmentBases, String logPrefix) throws IOException {
        AbortedTxnIndex index = new AbortedTxnIndex(dir, logPrefix);
        if (!Files.isDirectory(dir)) {
            return index;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path file : stream) {
                Matcher m = NAME.matcher(file.getFileName().toString());
                if (!m.matches()) {
                    continue;
                }
                long base = Long.parseLong(m.group(1));
                if (!segmentBases.contains(base)) {
                    LOG.info("{}Removing transaction index {} of a segment that is gone", logPrefix, file);
                    Files.deleteIfExists(file);
                    continue;
                }
                index.load(base, file);
            }
        }
        return index;
    }

    private void load(long base, Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int whole = bytes.length / ENTRY_SIZE * ENTRY_SIZE;
        ByteBuffer buffer = ByteBuffer.wrap(bytes, 0, whole);
        List<AbortedTxn> entries = new ArrayList<>();
        while (buffer.remaining() >= ENTRY_SIZE) {
            short version = buffer.getShort();
            AbortedTxn txn = new AbortedTxn(buffer.getLong(), buffer.getLong(), buffer.getLong(), buffer.getLong());
            if (version != 0) {
                LOG.warn(
                        "{}Transaction index {} has an entry of version {}; ignoring the rest",
                        logPrefix,
                        file,
                        version);
                break;
            }
            if (byLastOffset.putIfAbsent(txn.lastOffset(), txn) == null) {
                entries.add(txn);
            }
        }
        if (whole != bytes.length || entries.size() * ENTRY_SIZE != bytes.length) {
            LOG.warn("{}Transaction index {} had a torn or unusable tail; rewriting it", logPrefix, file);
            rewrite(base, entries);
        }
        if (!entries.isEmpty()) {
            bySegment.put(base, entries);
        }
    }

    /**
     * Indexes an aborted transaction whose marker is in the segment based at {@code segmentBase}; a marker offset
     * already indexed is ignored. Returns whether it was added.
     */
    public synchronized boolean add(long segmentBase, AbortedTxn txn) throws IOException {
        if (byLastOffset.containsKey(txn.lastOffset())) {
            return false;
        }
        ByteBuffer buffer = ByteBuffer.allocate(ENTRY_SIZE);
        write(buffer, txn);
        buffer.flip();
        try (FileChannel channel = FileChannel.open(
                path(segmentBase), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }
        byLastOffset.put(txn.lastOffset(), txn);
        bySegment.computeIfAbsent(segmentBase, b -> new ArrayList<>()).add(txn);
        return true;
    }

    /**
     * The aborted transactions a read of {@code [fetchOffset, upperBoundOffset)} must report: those whose marker is at
     * or after {@code fetchOffset} and whose first offset is below {@code upperBoundOffset}, by marker offset.
     */
    public synchronized List<AbortedTxn> collect(long fetchOffset, long upperBoundOffset) {
        List<AbortedTxn> out = new ArrayList<>();
        for (AbortedTxn txn : byLastOffset.tailMap(fetchOffset, true).values()) {
            if (txn.firstOffset() < upperBoundOffset) {
                out.add(txn);
            }
        }
        return out;
    }

    /** Removes the entries whose marker is at or after {@code offset} (a log truncation). */
    public synchronized void truncateFrom(long offset) throws IOException {
        if (byLastOffset.tailMap(offset, true).isEmpty()) {
            return;
        }
        byLastOffset.tailMap(offset, true).clear();
        for (Map.Entry<Long, List<AbortedTxn>> e : new ArrayList<>(bySegment.entrySet())) {
            List<AbortedTxn> kept = new ArrayList<>();
            for (AbortedTxn txn : e.getValue()) {
                if (txn.lastOffset() < offset) {
                    kept.add(txn);
                }
            }
            if (kept.size() != e.getValue().size()) {
                rewrite(e.getKey(), kept);
            }
        }
    }

    /** Drops the files and entries of segments not in {@code segmentBases} (retention, truncation, compaction). */
    public synchronized void retainSegments(Collection<Long> segmentBases) throws IOException {
        Iterator<Map.Entry<Long, List<AbortedTxn>>> it = bySegment.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, List<AbortedTxn>> e = it.next();
            if (!segmentBases.contains(e.getKey())) {
                e.getValue().forEach(txn -> byLastOffset.remove(txn.lastOffset()));
                Files.deleteIfExists(path(e.getKey()));
                it.remove();
            }
        }
    }

    /** Deletes every entry and file (the log was emptied). */
    public synchronized void clear() throws IOException {
        for (Long base : new ArrayList<>(bySegment.keySet())) {
            Files.deleteIfExists(path(base));
        }
        bySegment.clear();
        byLastOffset.clear();
    }

    /** The number of indexed aborted transactions. */
    public synchronized int size() {
        return byLastOffset.size();
    }

    /** The index file of the segment based at {@code base}. */
    public Path path(long base) {
        return dir.resolve(String.format("%020d", base) + SUFFIX);
    }

    private void rewrite(long base, List<AbortedTxn> entries) throws IOException {
        if (entries.isEmpty()) {
            Files.deleteIfExists(path(base));
            bySegment.remove(base);
            return;
        }
        ByteBuffer buffer = ByteBuffer.allocate(entries.size() * ENTRY_SIZE);
        entries.forEach(txn -> write(buffer, txn));
        Path tmp = dir.resolve(path(base).getFileName() + ".tmp");
        Files.write(tmp, buffer.array());
        Files.move(tmp, path(base), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        bySegment.put(base, new ArrayList<>(entries));
    }

    private static void write(ByteBuffer buffer, AbortedTxn txn) {
        buffer.putShort((short) 0);
        buffer.putLong(txn.producerId());
        buffer.putLong(txn.firstOffset());
        buffer.putLong(txn.lastOffset());
        buffer.putLong(txn.lastStableOffset());
    }
}
