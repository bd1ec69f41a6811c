package io.sluice.replication.remote;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.server.log.remote.storage.LogSegmentData;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentMetadata;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentMetadata.CustomMetadata;
import org.apache.kafka.server.log.remote.storage.RemoteResourceNotFoundException;
import org.apache.kafka.server.log.remote.storage.RemoteStorageException;
import org.apache.kafka.server.log.remote.storage.RemoteStorageManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in {@link RemoteStorageManager}: a directory (another disk, an NFS mount) stands in for the remote store,
 * so tiered storage needs no extra service. Configured with {@code rsm.config.dir} (required).
 *
 * <p>Layout: {@code <dir>/<topic>-<partition>-<topicId>/<startOffset, 20 digits>-<segment uuid>.<suffix>} with the
 * suffixes {@code .log}, {@code .index}, {@code .timeindex}, {@code .txnindex} (only when the segment has one),
 * {@code .snapshot} (producer state) and {@code .leader-epoch-checkpoint}. A copy writes each file under a
 * {@code .tmp} name and renames it, the segment file last, so a segment whose {@code .log} exists is complete; a
 * failed copy leaves no {@code .log} and is overwritten by the retry (which uses a new segment id anyway).
 *
 * <p>Thread-safety: stateless apart from the directory set once by {@link #configure}; any number of threads may copy,
 * fetch and delete different segments at once, as Kafka's remote log manager does.
 */
public final class FileSystemRemoteStorageManager implements RemoteStorageManager {
    private static final Logger LOG = LoggerFactory.getLogger(FileSystemRemoteStorageManager.class);

    /** The one setting: the directory holding the remote tier ({@code rsm.config.dir}). */
    public static final String DIR_CONFIG = "dir";

    private static final String LOG_SUFFIX = ".log";
    private static final Map<IndexType, String> INDEX_SUFFIXES = new EnumMap<>(Map.of(
            IndexType.OFFSET, ".index",
            IndexType.TIMESTAMP, ".timeindex",
            IndexType.TRANSACTION, ".txnindex",
            IndexType.PRODUCER_SNAPSHOT, ".snapshot",
            IndexType.LEADER_EPOCH, ".leader-epoch-checkpoint"));

    private volatile Path root;

    @Override
    public void configure(Map<String, ?> configs) {
        Object dir = configs.get(DIR_CONFIG);
        if (dir == null || dir.toString().isBlank()) {
            throw new IllegalArgumentException("FileSystemRemoteStorageManager needs rsm.config." + DIR_CONFIG);
        }
        Path path = Path.of(dir.toString());
        try {
            Files.createDirectories(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the remote storage directory " + path, e);
        }
        this.root = path;
        LOG.info("Remote storage in directory {}", path);
    }

    /** The directory of the remote tier. */
    public Path root() {
        return root;
    }

    @Override
    public Optional<CustomMetadata> copyLogSegmentData(RemoteLogSegmentMetadata metadata, LogSegmentData data)
            throws RemoteStorageException {
        Path base = basePath(metadata);
        try {
            Files.createDirectories(base.getParent());
            copy(data.offsetIndex(), base, INDEX_SUFFIXES.get(IndexType.OFFSET));
            copy(data.timeIndex(), base, INDEX_SUFFIXES.get(IndexType.TIMESTAMP));
            if (data.transactionIndex().isPresent()) {
                copy(data.transactionIndex().get(), base, INDEX_SUFFIXES.get(IndexType.TRANSACTION));
            }
            copy(data.producerSnapshotIndex(), base, INDEX_SUFFIXES.get(IndexType.PRODUCER_SNAPSHOT));
            write(data.leaderEpochIndex(), base, INDEX_SUFFIXES.get(IndexType.LEADER_EPOCH));
            copy(data.logSegment(), base, LOG_SUFFIX);
        } catch (IOException e) {
            throw new RemoteStorageException("cannot copy segment " + metadata.remoteLogSegmentId(), e);
        }
        LOG.debug("Copied segment {} to {}", metadata.remoteLogSegmentId(), base);
        return Optional.empty();
    }

    @Override
    public InputStream fetchLogSegment(RemoteLogSegmentMetadata metadata, int startPosition)
            throws RemoteStorageException {
        return fetchLogSegment(metadata, startPosition, Integer.MAX_VALUE);
    }

    @Override
    public InputStream fetchLogSegment(RemoteLogSegmentMetadata metadata, int startPosition, int endPosition)
            throws RemoteStorageException {
        if (startPosition < 0 || endPosition < startPosition) {
            throw new IllegalArgumentException("bad range [" + startPosition + ", " + endPosition + "]");
        }
        Path file = file(metadata, LOG_SUFFIX);
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
            try {
                long end = Math.min(channel.size(), (long) endPosition + 1);
                channel.position(Math.min(startPosition, end));
                InputStream in = Channels.newInputStream(channel);
                return new BoundedInputStream(in, end - channel.position());
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } catch (NoSuchFileException e) {
            throw new RemoteResourceNotFoundException("no segment " + metadata.remoteLogSegmentId() + " at " + file, e);
        } catch (IOException e) {
            throw new RemoteStorageException("cannot read segment " + metadata.remoteLogSegmentId(), e);
        }
    }

    @Override
    public InputStream fetchIndex(RemoteLogSegmentMetadata metadata, IndexType indexType)
            throws RemoteStorageException {
        Path file = file(metadata, INDEX_SUFFIXES.get(indexType));
        try {
            return Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new RemoteResourceNotFoundException(
                    "no " + indexType + " index of segment " + metadata.remoteLogSegmentId(), e);
        } catch (IOException e) {
            throw new RemoteStorageException("cannot read " + indexType + " of " + metadata.remoteLogSegmentId(), e);
        }
    }

    @Override
    public void deleteLogSegmentData(RemoteLogSegmentMetadata metadata) throws RemoteStorageException {
        try {
            // the segment file first: without it the rest is an incomplete copy
            Files.deleteIfExists(file(metadata, LOG_SUFFIX));
            for (String suffix : INDEX_SUFFIXES.values()) {
                Files.deleteIfExists(file(metadata, suffix));
            }
        } catch (IOException e) {
            throw new RemoteStorageException("cannot delete segment " + metadata.remoteLogSegmentId(), e);
        }
        LOG.debug("Deleted segment {}", metadata.remoteLogSegmentId());
    }

    @Override
    public void close() {}

    /** The directory of one partition. */
    public Path partitionDir(TopicIdPartition tip) {
        return requireRoot().resolve(tip.topic() + "-" + tip.partition() + "-" + tip.topicId());
    }

    private Path basePath(RemoteLogSegmentMetadata metadata) {
        return partitionDir(metadata.topicIdPartition())
                .resolve(String.format("%020d", metadata.startOffset()) + "-"
                        + metadata.remoteLogSegmentId().id());
    }

    private Path file(RemoteLogSegmentMetadata metadata, String suffix) {
        Path base = basePath(metadata);
        return base.resolveSibling(base.getFileName() + suffix);
    }

    private Path requireRoot() {
        Path r = root;
        if (r == null) {
            throw new IllegalStateException("FileSystemRemoteStorageManager is not configured");
        }
        return r;
    }

    private static void copy(Path source, Path base, String suffix) throws IOException {
        Path target = base.resolveSibling(base.getFileName() + suffix);
        Path tmp = base.resolveSibling(base.getFileName() + suffix + ".tmp");
        Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void write(ByteBuffer content, Path base, String suffix) throws IOException {
        Path target = base.resolveSibling(base.getFileName() + suffix);
        Path tmp = base.resolveSibling(base.getFileName() + suffix + ".tmp");
        try (FileChannel channel = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = content.duplicate();
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** An input stream that ends after {@code remaining} bytes and closes the one it wraps. */
    private static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private long remaining;

        BoundedInputStream(InputStream in, long remaining) {
            this.in = in;
            this.remaining = remaining;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(buffer, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
