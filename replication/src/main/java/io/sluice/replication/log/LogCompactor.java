package io.sluice.replication.log;

import io.sluice.metadata.concurrent.ThreadStatus;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.apache.kafka.common.TopicPartition;

/**
 * The {@link LogManager}'s port to log compaction: what the manager tells the compactor about its logs and their
 * lifecycle. The implementation ({@code io.sluice.replication.log.cleaner.LogCleaner}) lives in the {@code
 * log.cleaner} package, which depends on this one and not the other way round; its settings ({@code CleanerConfig})
 * are the {@link Factory} that the manager's configuration carries.
 *
 * <p>Concurrency: implementations are thread-safe; {@link #beforeTruncation} is called on the truncating thread.
 */
public interface LogCompactor {

    /** Starts the compactor's threads. */
    void startup();

    /** Stops the compactor's threads and waits for them; idempotent. */
    void shutdown();

    /** Sets the first offset of each partition that must not be compacted (the broker passes the high watermark). */
    void setUpperBound(ToLongFunction<TopicPartition> firstUncleanableOffset);

    /** Called before {@code log} is truncated to {@code offset}, so records appended again count as dirty. */
    void beforeTruncation(UnifiedLog log, long offset);

    /** Forgets a deleted log. */
    void onLogDeleted(TopicPartition tp);

    /** The checkpointed first dirty offset of a log, if it was compacted before. */
    Optional<Long> firstDirtyOffset(UnifiedLog log);

    /** The compactor's long-lived threads, for the liveness check. */
    List<ThreadStatus> threadStatuses();

    /** Creates the compactor of a {@link LogManager}, or none when compaction is off. */
    @FunctionalInterface
    interface Factory {
        /** No compaction. */
        Factory NONE = (logDirs, logs, clock) -> Optional.empty();

        /**
         * @param logDirs the manager's log directories
         * @param logs the manager's logs, read on every selection
         */
        Optional<LogCompactor> create(List<Path> logDirs, Supplier<Collection<UnifiedLog>> logs, Clock clock);
    }
}
