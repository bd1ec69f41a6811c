package io.sluice.replication.remote;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.replication.epoch.EpochEntry;
import io.sluice.replication.log.FileSlice;
import io.sluice.replication.log.HeapFileChannel;
import io.sluice.replication.log.SegmentFiles;
import io.sluice.replication.log.UnifiedLog;
import io.sluice.replication.partition.Partition;
import io.sluice.replication.partition.ReadResult;
import io.sluice.replication.partition.TieredStorage;
import io.sluice.replication.producer.ProducerSnapshotFile;
import io.sluice.replication.producer.ProducerStateManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.server.log.remote.storage.LogSegmentData;
import org.apache.kafka.server.log.remote.storage.RemoteLogMetadataManager;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentId;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentMetadata;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentMetadata.CustomMetadata;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentMetadataUpdate;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentState;
import org.apache.kafka.server.log.remote.storage.RemoteStorageException;
import org.apache.kafka.server.log.remote.storage.RemoteStorageManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's remote log manager (KIP-405): calls Kafka's {@link RemoteStorageManager} and
 * {@link RemoteLogMetadataManager} plugins as Kafka's broker does, for the partitions of topics with {@code
 * remote.storage.enable}.
 *
 * <p>Per partition one task runs every {@code remote.log.manager.task.interval.ms}:
 *
 * <ul>
 *   <li><b>Leader</b> (at the epoch it was made leader; a task of an older epoch stops): on its first run it reads the
 *       remote segments of the partition from the metadata manager, takes the highest copied offset as where copying
 *       continues (a new leader carries on where the old one stopped), finishes the deletion of segments an earlier
 *       leader left half-copied or half-deleted, and sets the log start offset to the remote tier's start. Each run
 *       then copies every rolled segment wholly below the high watermark and the last stable offset, oldest first,
 *       once: metadata {@code COPY_SEGMENT_STARTED}, {@code copyLogSegmentData} with the segment, its offset, time
 *       and transaction indexes, the producer snapshot and the leader-epoch checkpoint, metadata {@code
 *       COPY_SEGMENT_FINISHED}, and only then raises the log's highest offset in remote storage (which lets local
 *       retention delete the segment). Then total retention ({@code retention.ms}/{@code .bytes} over remote plus
 *       local-only bytes, and segments below the log start offset): the log start offset is raised first, then each
 *       segment goes {@code DELETE_SEGMENT_STARTED}, {@code deleteLogSegmentData}, {@code DELETE_SEGMENT_FINISHED}.
 *   <li><b>Follower</b>: takes the highest copied offset from the metadata manager, so its local retention too deletes
 *       only what is remote.
 * </ul>
 *
 * <p>Fetches below the local log start offset are read from the remote tier on the reader pool ({@code
 * remote.log.reader.threads}, at most {@code remote.log.reader.max.pending.tasks} queued), never on a request thread.
 *
 * <p>Concurrency: one task per partition at a time (a task is scheduled with fixed delay, and a leadership change
 * cancels the old one before scheduling the new); {@code tasks} is a concurrent map; plugins are called from the task
 * and reader threads concurrently, as Kafka does. Lifecycle: built started; {@link #close()} stops the pools (waiting
 * briefly for running copies) and closes the plugins; idempotent.
 */
public final class RemoteLogManager implements TieredStorage, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteLogManager.class);

    /**
     * How long a task waits for a future of the metadata manager. Kafka's interface returns futures; the built-in
     * manager's are complete (its calls are bounded by its own request timeout), another's may never complete: the
     * task then fails this run (a {@link java.util.concurrent.TimeoutException}) instead of holding a copier thread.
     */
    static final long METADATA_TIMEOUT_MS = 60_000L;

    private final RemoteLogManagerConfig config;
    private final RemoteStorageManager rsm;
    private final RemoteLogMetadataManager rlmm;
    private final Function<String, Optional<Uuid>> topicIds;
    private final Clock clock;
    private final Path scratchDir;
    private final RemoteLogManagerMetrics metrics;
    private final ScheduledThreadPoolExecutor leaderPool;
    private final ScheduledThreadPoolExecutor followerPool;
    private final ThreadPoolExecutor readerPool;
    private final ConcurrentHashMap<TopicPartition, ScheduledFuture<?>> tasks = new ConcurrentHashMap<>();
    private final AtomicReference<Boolean> closed = new AtomicReference<>(false);
    private final String logPrefix;

    /**
     * @param topicIds the id of a topic by name (segment metadata names partitions by topic id)
     * @param scratchDir where empty producer snapshots are written for segments that have none
     */
    public RemoteLogManager(
            RemoteLogManagerConfig config,
            RemoteStorageManager rsm,
            RemoteLogMetadataManager rlmm,
            Function<String, Optional<Uuid>> topicIds,
            Path scratchDir,
            Clock clock,
            MeterRegistry registry) {
        this.config = config;
        this.rsm = rsm;
        this.rlmm = rlmm;
        this.topicIds = topicIds;
        this.scratchDir = scratchDir;
        this.clock = clock;
        this.metrics = new RemoteLogManagerMetrics(registry);
        this.logPrefix = "[RemoteLogManager broker=" + config.brokerId() + "] ";
        this.leaderPool = scheduled("remote-log-copier-", config.copierThreads());
        this.followerPool = scheduled("remote-log-follower-", config.followerThreads());
        this.readerPool = new ThreadPoolExecutor(
                config.readerThreads(),
                config.readerThreads(),
                60,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(config.readerMaxPendingTasks()),
                threads("remote-log-reader-"));
    }

    private ScheduledThreadPoolExecutor scheduled(String prefix, int threads) {
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(threads, threads(prefix));
        pool.setRemoveOnCancelPolicy(true);
        pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        return pool;
    }

    private ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + config.brokerId() + "-" + n.getAndIncrement());
            t.setDaemon(true);
            return t;
        };
    }

    // ---------------------------------------------------------------- leadership

    @Override
    public void onLeadershipChange(Collection<Partition> leaders, Collection<Partition> followers) {
        if (closed.get()) {
            return;
        }
        Set<TopicIdPartition> leaderIds = new HashSet<>();
        Set<TopicIdPartition> followerIds = new HashSet<>();
        for (Partition p : leaders) {
            schedule(p, true).ifPresent(leaderIds::add);
        }
        for (Partition p : followers) {
            schedule(p, false).ifPresent(followerIds::add);
        }
        if (!leaderIds.isEmpty() || !followerIds.isEmpty()) {
            rlmm.onPartitionLeadershipChanges(leaderIds, followerIds);
        }
    }

    private Optional<TopicIdPartition> schedule(Partition p, boolean leader) {
        TopicPartition tp = p.topicPartition();
        cancel(tp);
        if (!p.log().config().remoteStorageEnable()) {
            return Optional.empty();
        }
        Optional<TopicIdPartition> tip = topicIdPartition(tp);
        if (tip.isEmpty()) {
            LOG.warn("{}No topic id for {}: not tiering it", logPrefix, tp);
            return Optional.empty();
        }
        Runnable task = leader ? new LeaderTask(p, tip.get(), p.leaderEpoch()) : new FollowerTask(p, tip.get());
        try {
            ScheduledThreadPoolExecutor pool = leader ? leaderPool : followerPool;
            tasks.put(tp, pool.scheduleWithFixedDelay(task, 0, config.taskIntervalMs(), TimeUnit.MILLISECONDS));
            LOG.info("{}Tiering {} as {} at epoch {}", logPrefix, tp, leader ? "leader" : "follower", p.leaderEpoch());
        } catch (RejectedExecutionException e) {
            LOG.debug("{}Stopped; not tiering {}", logPrefix, tp);
        }
        return tip;
    }

    private void cancel(TopicPartition tp) {
        ScheduledFuture<?> old = tasks.remove(tp);
        if (old != null) {
            old.cancel(false);
        }
        metrics.removePartition(tp);
    }

    @Override
    public void onStopPartitions(Collection<TopicPartition> partitions, boolean delete) {
        Set<TopicIdPartition> stopped = new HashSet<>();
        for (TopicPartition tp : partitions) {
            if (tasks.containsKey(tp)) {
                topicIdPartition(tp).ifPresent(stopped::add);
            }
            cancel(tp);
        }
        if (!stopped.isEmpty()) {
            rlmm.onStopPartitions(stopped);
        }
    }

    private Optional<TopicIdPartition> topicIdPartition(TopicPartition tp) {
        return topicIds.apply(tp.topic())
                .filter(id -> !Uuid.ZERO_UUID.equals(id))
                .map(id -> new TopicIdPartition(id, tp));
    }

    /** The remote segments of a partition whose copy finished, sorted by start offset. */
    private List<RemoteLogSegmentMetadata> copiedSegments(TopicIdPartition tip) throws RemoteStorageException {
        List<RemoteLogSegmentMetadata> out = new ArrayList<>();
        Iterator<RemoteLogSegmentMetadata> it = rlmm.listRemoteLogSegments(tip);
        while (it.hasNext()) {
            RemoteLogSegmentMetadata m = it.next();
            if (m.state() == RemoteLogSegmentState.COPY_SEGMENT_FINISHED) {
                out.add(m);
            }
        }
        return RemoteLogDecisions.sortedByOffset(out);
    }

    private static long highestOffset(List<RemoteLogSegmentMetadata> copied) {
        return copied.stream()
                .mapToLong(RemoteLogSegmentMetadata::endOffset)
                .max()
                .orElse(-1L);
    }

    /** The follower's task: keeps the log's highest offset in remote storage current. */
    private final class FollowerTask implements Runnable {
        private final Partition partition;
        private final TopicIdPartition tip;

        FollowerTask(Partition partition, TopicIdPartition tip) {
            this.partition = partition;
            this.tip = tip;
        }

        @Override
        public void run() {
            try {
                if (partition.isLeader()) {
                    return;
                }
                partition.log().updateHighestOffsetInRemoteStorage(highestOffset(copiedSegments(tip)));
            } catch (Exception e) {
                LOG.warn("{}Follower task of {} failed; retrying in the next run", logPrefix, tip, e);
            }
        }
    }

    /** The leader's task: copy, then retention. */
    private final class LeaderTask implements Runnable {
        private final Partition partition;
        private final TopicIdPartition tip;
        private final int leaderEpoch;
        private final String prefix;
        private boolean initialized;
        private long copiedUpTo = -1L;
        /**
         * The finished remote segments, sorted by start offset: read on the first run, then kept up to date by this
         * task's own copies and deletions (the leader is the only writer), so a run reads no metadata.
         */
        private final List<RemoteLogSegmentMetadata> copied = new ArrayList<>();

        LeaderTask(Partition partition, TopicIdPartition tip, int leaderEpoch) {
            this.partition = partition;
            this.tip = tip;
            this.leaderEpoch = leaderEpoch;
            this.prefix = logPrefix + "[" + tip.topicPartition() + " epoch=" + leaderEpoch + "] ";
        }

        private boolean stillLeader() {
            return partition.isLeader() && partition.leaderEpoch() == leaderEpoch && !closed.get();
        }

        @Override
        public void run() {
            if (!stillLeader()) {
                return;
            }
            try {
                if (!initialized) {
                    initialize();
                    initialized = true;
                }
                copyRolledSegments();
                applyRetention();
            } catch (InterruptedException e) {
                initialized = false;
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                // the outcome of the failed metadata call is unknown (a segment may have been marked copied, or left
                // COPY_SEGMENT_STARTED): the next run reads the remote tier again before copying, so that no segment
                // is copied twice and no partial copy stays behind
                initialized = false;
                LOG.warn("{}Remote log task failed; retrying in the next run", prefix, e);
            }
        }

        private void initialize() throws Exception {
            List<RemoteLogSegmentMetadata> unfinished = new ArrayList<>();
            Iterator<RemoteLogSegmentMetadata> it = rlmm.listRemoteLogSegments(tip);
            while (it.hasNext()) {
                RemoteLogSegmentMetadata m = it.next();
                if (m.state() == RemoteLogSegmentState.COPY_SEGMENT_STARTED
                        || m.state() == RemoteLogSegmentState.DELETE_SEGMENT_STARTED) {
                    unfinished.add(m);
                }
            }
            for (RemoteLogSegmentMetadata m : unfinished) {
                // a copy or deletion an earlier leader (or this broker before a restart) did not finish: its data may
                // be partial, so it is deleted; the segment is copied again from a local log if still needed
                LOG.info("{}Deleting remote segment {} left in state {}", prefix, m.remoteLogSegmentId(), m.state());
                deleteRemoteSegment(m);
            }
            copied.clear();
            copied.addAll(copiedSegments(tip));
            copiedUpTo = highestOffset(copied);
            UnifiedLog log = partition.log();
            log.updateHighestOffsetInRemoteStorage(copiedUpTo);
            if (!copied.isEmpty()) {
                log.updateLogStartOffsetFromRemoteTier(copied.get(0).startOffset());
            }
            LOG.info(
                    "{}Continuing after offset {} ({} remote segments); log start {}, local log start {}",
                    prefix,
                    copiedUpTo,
                    copied.size(),
                    log.logStartOffset(),
                    log.localLogStartOffset());
        }

        private void copyRolledSegments() throws Exception {
            UnifiedLog log = partition.log();
            long bound = Math.min(partition.highWatermark(), partition.lastStableOffset());
            List<RemoteLogDecisions.LocalSegment> local = localSegments(log);
            for (RemoteLogDecisions.LocalSegment s : RemoteLogDecisions.segmentsToCopy(local, copiedUpTo, bound)) {
                if (!stillLeader()) {
                    return;
                }
                Optional<SegmentFiles> files = log.rolledSegmentFiles(s.baseOffset());
                if (files.isEmpty()) {
                    return; // removed meanwhile (truncation, DeleteRecords): the next run sees the new segments
                }
                copySegment(log, files.get());
            }
            long lag = 0;
            for (RemoteLogDecisions.LocalSegment s : RemoteLogDecisions.segmentsToCopy(local, copiedUpTo, bound)) {
                lag += s.sizeInBytes();
            }
            long remoteBytes = 0;
            for (RemoteLogSegmentMetadata m : copied) {
                remoteBytes += m.segmentSizeInBytes();
            }
            metrics.partitionSizes(tip.topicPartition(), lag, remoteBytes);
        }

        private void copySegment(UnifiedLog log, SegmentFiles files) throws Exception {
            List<EpochEntry> epochs = partition.epochEntries();
            RemoteLogSegmentId id = RemoteLogSegmentId.generateNew(tip);
            RemoteLogSegmentMetadata started = new RemoteLogSegmentMetadata(
                    id,
                    files.baseOffset(),
                    files.nextOffset() - 1,
                    Math.max(files.maxTimestamp(), 0L),
                    config.brokerId(),
                    clock.millis(),
                    files.sizeInBytes(),
                    RemoteLogDecisions.segmentEpochs(epochs, files.baseOffset(), files.nextOffset(), leaderEpoch));
            LogSegmentData data = new LogSegmentData(
                    files.logFile(),
                    files.offsetIndex(),
                    files.timeIndex(),
                    files.transactionIndex(),
                    producerSnapshot(log, files.nextOffset()),
                    RemoteLogDecisions.epochCheckpoint(epochs, files.nextOffset()));
            rlmm.addRemoteLogSegmentMetadata(started).get(METADATA_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            Optional<CustomMetadata> custom = rsm.copyLogSegmentData(started, data);
            RemoteLogSegmentMetadataUpdate finished = new RemoteLogSegmentMetadataUpdate(
                    id, clock.millis(), custom, RemoteLogSegmentState.COPY_SEGMENT_FINISHED, config.brokerId());
            rlmm.updateRemoteLogSegmentMetadata(finished).get(METADATA_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            copied.add(started.createWithUpdates(finished));
            copiedUpTo = files.nextOffset() - 1;
            log.updateHighestOffsetInRemoteStorage(copiedUpTo);
            metrics.copied(tip.topic(), files.sizeInBytes());
            LOG.info(
                    "{}Copied segment [{}, {}] ({} bytes) as {}",
                    prefix,
                    files.baseOffset(),
                    copiedUpTo,
                    files.sizeInBytes(),
                    id.id());
        }

        private void applyRetention() throws Exception {
            UnifiedLog log = partition.log();
            long localOnly = 0;
            for (RemoteLogDecisions.LocalSegment s : localSegments(log)) {
                if (s.nextOffset() - 1 > copiedUpTo) {
                    localOnly += s.sizeInBytes();
                }
            }
            List<RemoteLogSegmentMetadata> doomed = RemoteLogDecisions.segmentsToDelete(
                    copied,
                    log.config().retentionMs(),
                    log.config().retentionBytes(),
                    localOnly,
                    log.logStartOffset(),
                    clock.millis());
            if (doomed.isEmpty()) {
                return;
            }
            long newStart = doomed.stream()
                            .mapToLong(RemoteLogSegmentMetadata::endOffset)
                            .max()
                            .getAsLong()
                    + 1;
            // readers must not be sent to data about to go: the log start moves first
            partition.raiseLogStartOffsetForRemoteRetention(newStart);
            for (RemoteLogSegmentMetadata m : doomed) {
                if (!stillLeader()) {
                    return;
                }
                deleteRemoteSegment(m);
            }
            LOG.info("{}Remote retention deleted {} segments; log start offset {}", prefix, doomed.size(), newStart);
        }

        private void deleteRemoteSegment(RemoteLogSegmentMetadata m) throws Exception {
            if (m.state() != RemoteLogSegmentState.DELETE_SEGMENT_STARTED) {
                rlmm.updateRemoteLogSegmentMetadata(new RemoteLogSegmentMetadataUpdate(
                                m.remoteLogSegmentId(),
                                clock.millis(),
                                m.customMetadata(),
                                RemoteLogSegmentState.DELETE_SEGMENT_STARTED,
                                config.brokerId()))
                        .get(METADATA_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            }
            rsm.deleteLogSegmentData(m);
            rlmm.updateRemoteLogSegmentMetadata(new RemoteLogSegmentMetadataUpdate(
                            m.remoteLogSegmentId(),
                            clock.millis(),
                            m.customMetadata(),
                            RemoteLogSegmentState.DELETE_SEGMENT_FINISHED,
                            config.brokerId()))
                    .get(METADATA_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            copied.removeIf(c -> c.remoteLogSegmentId().equals(m.remoteLogSegmentId()));
        }
    }

    private static List<RemoteLogDecisions.LocalSegment> localSegments(UnifiedLog log) {
        return log.segmentInfos().stream()
                .map(i -> new RemoteLogDecisions.LocalSegment(i.baseOffset(), i.nextOffset(), i.sizeInBytes()))
                .collect(Collectors.toList());
    }

    /**
     * The producer snapshot at {@code nextOffset} from the log directory when there is one; otherwise an empty
     * snapshot at that offset (the local log keeps only the latest snapshots; the remote tier's producer state is
     * not read back yet).
     */
    private Path producerSnapshot(UnifiedLog log, long nextOffset) throws IOException {
        Path local = ProducerSnapshotFile.path(log.dir().toPath(), nextOffset);
        if (Files.exists(local)) {
            return local;
        }
        Path dir = scratchDir.resolve(log.topicPartition().toString());
        Files.createDirectories(dir);
        Path empty = ProducerSnapshotFile.path(dir, nextOffset);
        if (!Files.exists(empty)) {
            new ProducerStateManager(log.topicPartition(), Integer.MAX_VALUE).takeSnapshot(dir, nextOffset);
        }
        return empty;
    }

    // ---------------------------------------------------------------- reads

    @Override
    public long fetchMaxWaitMs() {
        return config.fetchMaxWaitMs();
    }

    @Override
    public CompletableFuture<ReadResult> read(Partition partition, long fetchOffset, int maxBytes, ReadResult local) {
        Optional<TopicIdPartition> tip = topicIdPartition(partition.topicPartition());
        if (tip.isEmpty()) {
            return CompletableFuture.completedFuture(local);
        }
        try {
            return CompletableFuture.supplyAsync(() -> readRemote(tip.get(), fetchOffset, maxBytes, local), readerPool);
        } catch (RejectedExecutionException e) {
            LOG.debug("{}Remote read queue full; {} at {} retried by the client", logPrefix, tip.get(), fetchOffset);
            return CompletableFuture.completedFuture(ReadResult.error(Errors.UNKNOWN_SERVER_ERROR));
        }
    }

    private ReadResult readRemote(TopicIdPartition tip, long offset, int maxBytes, ReadResult local) {
        try {
            Optional<RemoteLogSegmentMetadata> segment = copiedSegments(tip).stream()
                    .filter(m -> m.startOffset() <= offset && offset <= m.endOffset())
                    .reduce((a, b) -> b);
            if (segment.isEmpty() || offset < local.logStartOffset()) {
                return local;
            }
            RemoteLogSegmentMetadata m = segment.get();
            int position = RemoteSegmentReader.positionOf(rsm, m, offset);
            ByteBuffer records;
            try (InputStream in = rsm.fetchLogSegment(m, position)) {
                records = RemoteSegmentReader.readBatches(in, offset, Math.max(maxBytes, 1));
            }
            metrics.fetched(tip.topic(), records.remaining());
            return new ReadResult(
                    Errors.NONE,
                    Optional.of(new FileSlice(new HeapFileChannel(records), 0, records.remaining())),
                    local.highWatermark(),
                    local.lastStableOffset(),
                    local.logStartOffset(),
                    local.logEndOffset(),
                    Optional.empty());
        } catch (Exception e) {
            LOG.warn("{}Remote read of {} at offset {} failed", logPrefix, tip, offset, e);
            return new ReadResult(
                    Errors.KAFKA_STORAGE_ERROR,
                    Optional.empty(),
                    local.highWatermark(),
                    local.lastStableOffset(),
                    local.logStartOffset(),
                    local.logEndOffset(),
                    Optional.empty());
        }
    }

    /** Test hook: the number of partitions with a task. */
    int taskCount() {
        return tasks.size();
    }

    /** Stops the tasks and the pools, then closes the plugins; idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        tasks.values().forEach(f -> f.cancel(false));
        tasks.clear();
        leaderPool.shutdownNow();
        followerPool.shutdownNow();
        readerPool.shutdownNow();
        try {
            leaderPool.awaitTermination(5, TimeUnit.SECONDS);
            readerPool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(rsm, "remote storage manager");
        closeQuietly(rlmm, "remote log metadata manager");
        LOG.info("{}Closed", logPrefix);
    }

    private void closeQuietly(AutoCloseable c, String what) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("{}Cannot close the {}", logPrefix, what, e);
        }
    }
}
