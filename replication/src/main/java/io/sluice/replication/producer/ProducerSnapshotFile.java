package io.sluice.replication.producer;

import io.sluice.replication.checkpoint.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * Producer-state snapshot files of a partition directory, named {@code <offset as 20 digits>.snapshot} (e.g. {@code
 * 00000000000000001234.snapshot}). A snapshot at offset N holds the state built from every batch below N, so loading
 * it means re-scanning the log from N.
 *
 * <p>Binary format, big-endian, version {@value #VERSION}:
 *
 * <pre>
 * byte  size  field
 * 0     2     version                 int16, 1 or 2
 * 2     4     CRC32C                  uint32 over bytes [6, end of file)
 * 6     4     producer count P        int32 &gt;= 0
 * 10    ...   P producer entries, each 19 + 32 * B bytes:
 *   +0    8     producer id           int64 &gt;= 0
 *   +8    2     producer epoch        int16 &gt;= 0
 *   +10   8     last timestamp        int64
 *   +18   1     batch count B         int8, 1..5
 *   +19   32*B  batches, oldest first, each:
 *     +0    4     first sequence      int32
 *     +4    4     last sequence       int32
 *     +8    8     first offset        int64
 *     +16   8     last offset         int64 &gt;= first offset
 *     +24   8     timestamp           int64
 * </pre>
 *
 * then, in version 2 only:
 *       4     open transaction count T int32 &gt;= 0
 *       16*T  open transactions, each:
 *     +0    8     producer id         int64 &gt;= 0
 *     +8    8     first offset        int64 &gt;= 0, the offset of the transaction's first batch
 * </pre>
 *
 * The file must end exactly after the last entry (version 1) or the last open transaction (version 2). A state
 * without open transactions is written as version 1. Files are written atomically through {@link AtomicFiles#write}.
 *
 * <p>Concurrency: stateless static helpers; the owning {@link ProducerStateManager}'s caller serialises access to a
 * directory.
 */
public final class ProducerSnapshotFile {
    /** File name suffix. */
    public static final String SUFFIX = ".snapshot";
    /** The current format version. */
    public static final short VERSION = 1;
    /** The format version that also holds open transactions. */
    public static final short VERSION_WITH_TXNS = 2;

    /**
     * A decoded snapshot.
     *
     * @param entries the producers
     * @param openTxns open transactions: producer id → first offset
     */
    public record Snapshot(List<ProducerStateEntry> entries, Map<Long, Long> openTxns) {}

    static final int HEADER_SIZE = 10;
    static final int CRC_OFFSET = 2;
    static final int COUNT_OFFSET = 6;
    static final int ENTRY_HEADER_SIZE = 19;
    static final int BATCH_SIZE = 32;

    private static final Pattern NAME = Pattern.compile("(\\d{20})\\.snapshot");

    private ProducerSnapshotFile() {}

    /** The snapshot file for {@code offset} in {@code dir}. */
    public static Path path(Path dir, long offset) {
        return dir.resolve(String.format("%020d", offset) + SUFFIX);
    }

    /** The offset a snapshot file name stands for, or empty if {@code file} is not a snapshot file. */
    public static OptionalLong offsetOf(Path file) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        if (!m.matches()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(m.group(1)));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** The offsets of all snapshot files in {@code dir}, ascending; empty if the directory does not exist. */
    public static List<Long> list(Path dir) throws IOException {
        List<Long> offsets = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return offsets;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path file : stream) {
                offsetOf(file).ifPresent(offsets::add);
            }
        }
        offsets.sort(null);
        return offsets;
    }

    /** Encodes {@code entries} in the format above. */
    static byte[] encode(Collection<ProducerStateEntry> entries) {
        return encode(entries, Map.of());
    }

    /** Encodes {@code entries} and the open transactions (producer id → first offset) in the format above. */
    static byte[] encode(Collection<ProducerStateEntry> entries, Map<Long, Long> openTxns) {
        int size = HEADER_SIZE + (openTxns.isEmpty() ? 0 : 4 + 16 * openTxns.size());
        for (ProducerStateEntry entry : entries) {
            size += ENTRY_HEADER_SIZE + BATCH_SIZE * entry.batches().size();
        }
        ByteBuffer buffer = ByteBuffer.allocate(size);
        buffer.putShort(openTxns.isEmpty() ? VERSION : VERSION_WITH_TXNS);
        buffer.putInt(0); // CRC, filled in below
        buffer.putInt(entries.size());
        for (ProducerStateEntry entry : entries) {
            buffer.putLong(entry.producerId());
            buffer.putShort(entry.epoch());
            buffer.putLong(entry.lastTimestamp());
            buffer.put((byte) entry.batches().size());
            for (BatchMetadata batch : entry.batches()) {
                buffer.putInt(batch.firstSeq());
                buffer.putInt(batch.lastSeq());
                buffer.putLong(batch.firstOffset());
                buffer.putLong(batch.lastOffset());
                buffer.putLong(batch.timestamp());
            }
        }
        if (!openTxns.isEmpty()) {
            buffer.putInt(openTxns.size());
            new TreeMap<>(openTxns).forEach((producerId, first) -> {
                buffer.putLong(producerId);
                buffer.putLong(first);
            });
        }
        byte[] bytes = buffer.array();
        buffer.putInt(CRC_OFFSET, (int) crc(bytes));
        return bytes;
    }

    /** Writes {@code entries} as the snapshot at {@code offset}, atomically; returns the file. */
    static Path write(Path dir, long offset, Collection<ProducerStateEntry> entries, Map<Long, Long> openTxns)
            throws IOException {
        Path file = path(dir, offset);
        AtomicFiles.write(file, encode(entries, openTxns));
        return file;
    }

    /**
     * Reads and validates a snapshot file.
     *
     * @throws CorruptSnapshotException if its version, checksum, sizes or values are wrong
     */
    static List<ProducerStateEntry> read(Path file) throws IOException {
        return decode(file, Files.readAllBytes(file));
    }

    /** Reads and validates a snapshot file with its open transactions. */
    static Snapshot readSnapshot(Path file) throws IOException {
        return decodeSnapshot(file, Files.readAllBytes(file));
    }

    static List<ProducerStateEntry> decode(Path file, byte[] bytes) throws CorruptSnapshotException {
        return decodeSnapshot(file, bytes).entries();
    }

    static Snapshot decodeSnapshot(Path file, byte[] bytes) throws CorruptSnapshotException {
        if (bytes.length < HEADER_SIZE) {
            throw new CorruptSnapshotException(file, "size " + bytes.length + " is below the header size");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        short version = buffer.getShort(0);
        if (version != VERSION && version != VERSION_WITH_TXNS) {
            throw new CorruptSnapshotException(file, "unsupported version " + version);
        }
        long storedCrc = Integer.toUnsignedLong(buffer.getInt(CRC_OFFSET));
        long computedCrc = crc(bytes);
        if (storedCrc != computedCrc) {
            throw new CorruptSnapshotException(
                    file, "CRC32C mismatch: stored " + storedCrc + ", computed " + computedCrc);
        }
        int count = buffer.getInt(COUNT_OFFSET);
        if (count < 0 || (long) count * (ENTRY_HEADER_SIZE + BATCH_SIZE) > bytes.length - HEADER_SIZE) {
            throw new CorruptSnapshotException(file, "producer count " + count + " does not fit the file size");
        }
        buffer.position(HEADER_SIZE);
        List<ProducerStateEntry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (buffer.remaining() < ENTRY_HEADER_SIZE) {
                throw new CorruptSnapshotException(file, "entry " + i + " is truncated");
            }
            long producerId = buffer.getLong();
            short epoch = buffer.getShort();
            long lastTimestamp = buffer.getLong();
            int batchCount = buffer.get();
            if (producerId < 0 || epoch < 0) {
                throw new CorruptSnapshotException(
                        file, "entry " + i + " has producer id " + producerId + " epoch " + epoch);
            }
            if (batchCount < 1 || batchCount > ProducerStateEntry.NUM_BATCHES_TO_RETAIN) {
                throw new CorruptSnapshotException(file, "entry " + i + " has batch count " + batchCount);
            }
            if (buffer.remaining() < batchCount * BATCH_SIZE) {
                throw new CorruptSnapshotException(file, "entry " + i + " batches are truncated");
            }
            List<BatchMetadata> batches = new ArrayList<>(batchCount);
            for (int b = 0; b < batchCount; b++) {
                int firstSeq = buffer.getInt();
                int lastSeq = buffer.getInt();
                long firstOffset = buffer.getLong();
                long lastOffset = buffer.getLong();
                long timestamp = buffer.getLong();
                if (firstOffset < 0 || lastOffset < firstOffset) {
                    throw new CorruptSnapshotException(
                            file, "entry " + i + " batch " + b + " has offsets " + firstOffset + ".." + lastOffset);
                }
                batches.add(new BatchMetadata(firstSeq, lastSeq, firstOffset, lastOffset, timestamp));
            }
            entries.add(new ProducerStateEntry(producerId, epoch, batches, lastTimestamp));
        }
        Map<Long, Long> openTxns = new HashMap<>();
        if (version == VERSION_WITH_TXNS) {
            if (buffer.remaining() < 4) {
                throw new CorruptSnapshotException(file, "open transaction count is missing");
            }
            int txns = buffer.getInt();
            if (txns < 0 || (long) txns * 16 != buffer.remaining()) {
                throw new CorruptSnapshotException(file, "open transaction count " + txns + " does not fit the file");
            }
            for (int i = 0; i < txns; i++) {
                long producerId = buffer.getLong();
                long first = buffer.getLong();
                if (producerId < 0 || first < 0 || openTxns.put(producerId, first) != null) {
                    throw new CorruptSnapshotException(
                            file, "open transaction " + i + " of producer " + producerId + " at " + first);
                }
            }
        }
        if (buffer.hasRemaining()) {
            throw new CorruptSnapshotException(file, buffer.remaining() + " unexpected bytes after the last entry");
        }
        return new Snapshot(entries, openTxns);
    }

    private static long crc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, COUNT_OFFSET, bytes.length - COUNT_OFFSET);
        return crc.getValue();
    }
}
