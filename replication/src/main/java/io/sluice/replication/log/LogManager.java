package io.sluice.replication.log;

import io.sluice.metadata.concurrent.SurvivingTask;
import io.sluice.replication.checkpoint.OffsetCheckpointFile;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns every partition log of a broker across its {@code log.dirs}.
 *
 * <p>Directory layout, per log dir:
 *
 * <pre>
 * &lt;log.dir&gt;/
 *   .kafka_cleanshutdown                present only between a clean shutdown and the next startup
 *   recovery-point-offset-checkpoint    offset below which each log was fsynced ({@link OffsetCheckpointFile})
 *   log-start-offset-checkpoint         each log's start offset ({@link OffsetCheckpointFile})
 *   cleaner-offset-checkpoint           each compacted log's clean/dirty boundary ({@link LogCompactor})
 *   &lt;topic&gt;-&lt;partition&gt;/               one {@link UnifiedLog}; the topic is everything before the LAST '-'
 *   &lt;topic&gt;-&lt;partition&gt;.&lt;uuid&gt;-delete/  a deleted log, removed after file.delete.delay.ms
 * </pre>
 *
 * <p>Lifecycle (compare-and-set on {@link State}): {@code NEW -> STARTING -> RUNNING -> STOPPING -> STOPPED};
 * {@link #startup()} runs once, {@link #shutdown()} is safe to call twice. Startup loads every log, with
 * {@code recoveryThreadsPerDir} threads per directory; a directory without the clean-shutdown marker gets full
 * recovery after each log's recovery point; then the {@link LogCompactor} starts when enabled. Shutdown stops the
 * cleaner, cancels the periodic tasks, flushes and closes every log,
 * writes both checkpoints and then the marker.
 *
 * <p>Concurrency: {@code logs} is a concurrent map read lock-free; creation and deletion of logs are serialized by
 * {@code createLock} (never held while taking a log's lock for I/O other than close). Periodic tasks (retention,
 * flush, checkpoint) run on the given scheduler and only call the logs' own thread-safe methods; checkpoint writes
 * are serialized by {@code checkpointLock}. The scheduler belongs to the caller and is not shut down here.
 */
public final class LogManager implements AutoCloseable {

    /** Name of the clean-shutdown marker file in each log dir. */
    public static final String CLEAN_SHUTDOWN_FILE = ".kafka_cleanshutdown";
    /** Name of the recovery point checkpoint in each log dir. */
    public static final String RECOVERY_POINT_CHECKPOINT = OffsetCheckpointFile.RECOVERY_POINT_OFFSET_CHECKPOINT;
    /** Name of the log start offset checkpoint in each log dir. */
    public static final String LOG_START_OFFSET_CHECKPOINT = OffsetCheckpointFile.LOG_START_OFFSET_CHECKPOINT;

    private static final Logger LOG = LoggerFactory.getLogger(LogManager.class);
    private static final String DELETE_SUFFIX = "-delete";

    /** Lifecycle states. */
    public enum State {
        NEW,
        STARTING,
        RUNNING,
        STOPPING,
        STOPPED
    }

    private final List<Path> logDirs;
    private final LogConfig defaults;
    private final LogManagerConfig managerConfig;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final ConcurrentHashMap<TopicPartition, UnifiedLog> logs = new ConcurrentHashMap<>();
    private final Object createLock = new Object();
    private final Object checkpointLock = new Object();
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();
    private final LogCompactor cleaner;
    private final LogDirFailureChannel failureChannel = new LogDirFailureChannel("");

    public LogManager(
            List<Path> logDirs,
            LogConfig defaults,
            int recoveryThreadsPerDir,
            Clock clock,
            ScheduledExecutorService scheduler) {
        this(logDirs, defaults, LogManagerConfig.withRecoveryThreads(recoveryThreadsPerDir), clock, scheduler);
    }

    public LogManager(
            List<Path> logDirs,
            LogConfig defaults,
            LogManagerConfig managerConfig,
            Clock clock,
            ScheduledExecutorService scheduler) {
        if (logDirs.isEmpty()) {
            throw new IllegalArgumentException("log.dirs must name at least one directory");
        }
        this.logDirs = logDirs.stream().map(p -> p.toAbsolutePath().normalize()).toList();
        this.defaults = defaults;
        this.managerConfig = managerConfig;
        this.clock = clock;
        this.scheduler = scheduler;
        this.cleaner = managerConfig
                .cleaner()
                .create(this.logDirs, this::allLogs, clock)
                .orElse(null);
    }

    public State state() {
        return state.get();
    }

    public LogConfig defaults() {
        return defaults;
    }

    public List<Path> logDirs() {
        return logDirs;
    }

    /** Loads every log of every directory and starts retention, flush and checkpoint tasks. */
    public void startup() {
        if (!state.compareAndSet(State.NEW, State.STARTING)) {
            throw new IllegalStateException("log manager already started (" + state.get() + ")");
        }
        List<ExecutorService> pools = new ArrayList<>();
        try {
            Map<Path, List<Future<UnifiedLog>>> loading = new HashMap<>();
            for (Path dir : logDirs) {
                Files.createDirectories(dir);
                ExecutorService pool = Executors.newFixedThreadPool(managerConfig.recoveryThreadsPerDir(), r -> {
                    Thread t = new Thread(r, "log-recovery-" + dir.getFileName());
                    t.setDaemon(true);
                    return t;
                });
                pools.add(pool);
                loading.put(dir, loadDir(dir, pool));
            }
            for (Map.Entry<Path, List<Future<UnifiedLog>>> entry : loading.entrySet()) {
                for (Future<UnifiedLog> future : entry.getValue()) {
                    UnifiedLog log = future.get();
                    UnifiedLog previous = logs.putIfAbsent(log.topicPartition(), log);
                    if (previous != null) {
                        throw new KafkaStorageException("partition " + log.topicPartition() + " exists in both "
                                + previous.dir() + " and " + log.dir());
                    }
                }
                Files.deleteIfExists(entry.getKey().resolve(CLEAN_SHUTDOWN_FILE));
            }
        } catch (IOException e) {
            throw new KafkaStorageException("cannot load logs", e);
        } catch (ExecutionException e) {
            throw new KafkaStorageException("cannot load logs", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaStorageException("interrupted while loading logs", e);
        } finally {
            pools.forEach(ExecutorService::shutdownNow);
        }
        if (cleaner != null) {
            logs.values().forEach(log -> log.setTruncationListener(cleaner::beforeTruncation));
            cleaner.startup();
        }
        scheduleTasks();
        state.set(State.RUNNING);
        LOG.info("Loaded {} logs from {}", logs.size(), logDirs);
    }

    private List<Future<UnifiedLog>> loadDir(Path dir, ExecutorService pool) throws IOException {
        boolean clean = Files.exists(dir.resolve(CLEAN_SHUTDOWN_FILE));
        Map<TopicPartition, Long> recoveryPoints = readCheckpoint(dir, RECOVERY_POINT_CHECKPOINT);
        Map<TopicPartition, Long> startOffsets = readCheckpoint(dir, LOG_START_OFFSET_CHECKPOINT);
        LOG.info("Loading logs from {} after {} shutdown", dir, clean ? "a clean" : "an unclean");
        List<Future<UnifiedLog>> futures = new ArrayList<>();
        List<Path> children;
        try (Stream<Path> listing = Files.list(dir)) {
            children = listing.filter(Files::isDirectory).sorted().toList();
        }
        for (Path child : children) {
            String name = child.getFileName().toString();
            if (name.endsWith(DELETE_SUFFIX)) {
                LOG.info("Removing log {} deleted before the last shutdown", child);
                deleteRecursively(child);
                continue;
            }
            Optional<TopicPartition> parsed = parseLogDirName(name);
            if (parsed.isEmpty()) {
                LOG.warn("Ignoring directory {} in {}: not <topic>-<partition>", name, dir);
                continue;
            }
            TopicPartition tp = parsed.get();
            futures.add(pool.submit(() -> UnifiedLog.load(
                    child.toFile(),
                    tp,
                    defaults,
                    recoveryPoints.getOrDefault(tp, 0L),
                    startOffsets.getOrDefault(tp, 0L),
                    clean,
                    clock,
                    scheduler)));
        }
        return futures;
    }

    /**
     * Parses {@code <topic>-<partition>}, splitting at the last '-' so topics may contain '-'.
     *
     * @return the partition, or empty when the name does not have that shape
     */
    public static Optional<TopicPartition> parseLogDirName(String name) {
        int dash = name.lastIndexOf('-');
        if (dash <= 0 || dash == name.length() - 1) {
            return Optional.empty();
        }
        String partition = name.substring(dash + 1);
        for (int i = 0; i < partition.length(); i++) {
            if (!Character.isDigit(partition.charAt(i))) {
                return Optional.empty();
            }
        }
        try {
            return Optional.of(new TopicPartition(name.substring(0, dash), Integer.parseInt(partition)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The directory name of a partition's log. */
    public static String logDirName(TopicPartition tp) {
        return tp.topic() + "-" + tp.partition();
    }

    private void scheduleTasks() {
        synchronized (tasks) {
            tasks.add(scheduler.scheduleWithFixedDelay(
                    guarded("retention", this::cleanupLogs),
                    managerConfig.retentionCheckIntervalMs(),
                    managerConfig.retentionCheckIntervalMs(),
                    TimeUnit.MILLISECONDS));
            tasks.add(scheduler.scheduleWithFixedDelay(
                    guarded("flush", this::flushDirtyLogs),
                    managerConfig.flushCheckIntervalMs(),
                    managerConfig.flushCheckIntervalMs(),
                    TimeUnit.MILLISECONDS));
            tasks.add(scheduler.scheduleWithFixedDelay(
                    guarded("checkpoint", this::checkpointAll),
                    managerConfig.checkpointIntervalMs(),
                    managerConfig.checkpointIntervalMs(),
                    TimeUnit.MILLISECONDS));
        }
    }

    /** A periodic task that survives its own failures, Errors included (see {@link SurvivingTask}). */
    private static Runnable guarded(String name, Runnable task) {
        return SurvivingTask.of("[LogManager] " + name, task);
    }

    /**
     * The existing log of {@code tp} (its config replaced by {@code config}: logs loaded at startup carry the broker
     * defaults until their topic's config is known), or a new one in the directory holding the fewest logs.
     */
    public UnifiedLog getOrCreateLog(TopicPartition tp, LogConfig config) {
        UnifiedLog existing = logs.get(tp);
        if (existing != null) {
            updateConfigIfChanged(existing, config);
            return existing;
        }
        synchronized (createLock) {
            ensureRunning();
            existing = logs.get(tp);
            if (existing != null) {
                updateConfigIfChanged(existing, config);
                return existing;
            }
            Path dir = leastLoadedDir();
            UnifiedLog log =
                    UnifiedLog.load(dir.resolve(logDirName(tp)).toFile(), tp, config, 0L, 0L, true, clock, scheduler);
            if (cleaner != null) {
                log.setTruncationListener(cleaner::beforeTruncation);
            }
            logs.put(tp, log);
            LOG.info("Created log for {} in {}", tp, dir);
            return log;
        }
    }

    private static void updateConfigIfChanged(UnifiedLog log, LogConfig config) {
        if (!log.config().equals(config)) {
            log.updateConfig(config);
        }
    }

    /** The log cleaner, when {@code log.cleaner.enable} is set and it has threads. */
    public Optional<LogCompactor> cleaner() {
        return Optional.ofNullable(cleaner);
    }

    /**
     * Sets the first offset of each partition that the cleaner must not compact (the broker passes the high
     * watermark: {@code tp -> partition's HW}, or 0 for a log without a partition); without it the cleaner stops
     * only at the active segment. No effect without a cleaner.
     */
    public void setCleanerUpperBound(ToLongFunction<TopicPartition> firstUncleanableOffset) {
        if (cleaner != null) {
            cleaner.setUpperBound(firstUncleanableOffset);
        }
    }

    private Path leastLoadedDir() {
        Map<Path, Integer> counts = new HashMap<>();
        logDirs.forEach(d -> counts.put(d, 0));
        for (UnifiedLog log : logs.values()) {
            Path parent = log.dir().toPath().toAbsolutePath().normalize().getParent();
            counts.computeIfPresent(parent, (d, n) -> n + 1);
        }
        return logDirs.stream()
                .min(Comparator.comparingInt((Path d) -> counts.get(d)).thenComparingInt(logDirs::indexOf))
                .orElseThrow();
    }

    /** Where failed writes to a log directory are reported; the broker listens to it. */
    public LogDirFailureChannel failureChannel() {
        return failureChannel;
    }

    /**
     * Reports that {@code what} of {@code tp}'s log failed with {@code cause}: when the cause is a failed write to
     * the disk ({@link LogDirFailureChannel#isLogDirFault}) and the log still exists, its log directory goes offline.
     * A log deleted meanwhile (its files closed under the writer) is no fault of the directory. Returns whether the
     * directory went offline by this report.
     */
    public boolean reportStorageFault(TopicPartition tp, String what, Throwable cause) {
        if (!LogDirFailureChannel.isLogDirFault(cause)) {
            return false;
        }
        UnifiedLog log = logs.get(tp);
        if (log == null) {
            LOG.debug("{} of {} failed after its log was removed: {}", what, tp, cause.toString());
            return false;
        }
        return failureChannel.fail(log.dir().toPath().getParent(), what + " of " + tp, cause);
    }

    public Optional<UnifiedLog> getLog(TopicPartition tp) {
        return Optional.ofNullable(logs.get(tp));
    }

    public Collection<UnifiedLog> allLogs() {
        return List.copyOf(logs.values());
    }

    /**
     * Removes the log of {@code tp}: renames its directory to {@code <name>.<uuid>-delete} at once (open files stay
     * readable for in-flight slices) and removes it after {@code file.delete.delay.ms}.
     *
     * @return whether there was such a log
     */
    public boolean deleteLog(TopicPartition tp) {
        synchronized (createLock) {
            UnifiedLog log = logs.remove(tp);
            if (log == null) {
                return false;
            }
            if (cleaner != null) {
                cleaner.onLogDeleted(tp);
            }
            File current = log.dir();
            File target = new File(
                    current.getParentFile(),
                    current.getName() + "." + UUID.randomUUID().toString().replace("-", "") + DELETE_SUFFIX);
            try {
                log.closeAndRenameDir(target);
            } catch (IOException e) {
                throw new KafkaStorageException("cannot rename " + current + " for deletion", e);
            }
            Runnable removal = () -> {
                log.closeSegmentsWithoutTrim();
                try {
                    deleteRecursively(target.toPath());
                } catch (IOException e) {
                    LOG.warn("Cannot remove deleted log {}", target, e);
                }
            };
            try {
                scheduler.schedule(removal, log.config().fileDeleteDelayMs(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                removal.run();
            }
            LOG.info("Deleted log for {} (directory {})", tp, target.getName());
            return true;
        }
    }

    /** Runs retention on every log; returns the number of segments deleted. */
    public int cleanupLogs() {
        int deleted = 0;
        for (UnifiedLog log : logs.values()) {
            deleted += log.deleteOldSegments();
        }
        return deleted;
    }

    /** Flushes every log whose {@code flush.ms} has elapsed since its last flush. */
    public void flushDirtyLogs() {
        long now = clock.millis();
        for (UnifiedLog log : logs.values()) {
            long flushMs = log.config().flushMs();
            if (flushMs != Long.MAX_VALUE && now - log.lastFlushMs() >= flushMs && log.unflushedMessages() > 0) {
                log.flush();
            }
        }
    }

    /** Writes both checkpoints of every directory. */
    public void checkpointAll() {
        synchronized (checkpointLock) {
            for (Path dir : logDirs) {
                Map<TopicPartition, Long> recoveryPoints = new HashMap<>();
                Map<TopicPartition, Long> startOffsets = new HashMap<>();
                for (UnifiedLog log : logs.values()) {
                    if (dir.equals(
                            log.dir().toPath().toAbsolutePath().normalize().getParent())) {
                        recoveryPoints.put(log.topicPartition(), log.recoveryPoint());
                        startOffsets.put(log.topicPartition(), log.logStartOffset());
                    }
                }
                try {
                    checkpointOf(dir, RECOVERY_POINT_CHECKPOINT).write(recoveryPoints);
                    checkpointOf(dir, LOG_START_OFFSET_CHECKPOINT).write(startOffsets);
                } catch (IOException e) {
                    throw new KafkaStorageException("cannot write the checkpoints of " + dir, e);
                }
            }
        }
    }

    /** Flushes and closes every log, writes the checkpoints and the clean-shutdown markers. Idempotent. */
    public void shutdown() {
        State previous = state.getAndUpdate(s -> s == State.STOPPED ? s : State.STOPPING);
        if (previous == State.STOPPED || previous == State.STOPPING) {
            return;
        }
        synchronized (tasks) {
            tasks.forEach(t -> t.cancel(false));
            tasks.clear();
        }
        if (previous == State.NEW) {
            state.set(State.STOPPED);
            return;
        }
        if (cleaner != null) {
            cleaner.shutdown();
        }
        synchronized (createLock) {
            for (UnifiedLog log : logs.values()) {
                try {
                    log.flush();
                    log.close();
                } catch (RuntimeException e) {
                    LOG.error("Cannot flush and close the log of {}", log.topicPartition(), e);
                }
            }
            checkpointAll();
            for (Path dir : logDirs) {
                try {
                    Files.write(dir.resolve(CLEAN_SHUTDOWN_FILE), new byte[0]);
                } catch (IOException e) {
                    LOG.error("Cannot write the clean-shutdown marker in {}", dir, e);
                }
            }
        }
        state.set(State.STOPPED);
        LOG.info("Log manager shut down cleanly ({} logs)", logs.size());
    }

    @Override
    public void close() {
        shutdown();
    }

    private void ensureRunning() {
        if (state.get() != State.RUNNING) {
            throw new IllegalStateException("log manager is not running (" + state.get() + ")");
        }
    }

    private static OffsetCheckpointFile checkpointOf(Path dir, String name) {
        return new OffsetCheckpointFile(dir.resolve(name));
    }

    /** A checkpoint's offsets; an unreadable checkpoint counts as empty, which means full recovery. */
    private static Map<TopicPartition, Long> readCheckpoint(Path dir, String name) {
        try {
            return checkpointOf(dir, name).read();
        } catch (IOException | RuntimeException e) {
            LOG.warn("Ignoring unreadable checkpoint {} in {}; logs there are recovered from the start", name, dir, e);
            return Map.of();
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
