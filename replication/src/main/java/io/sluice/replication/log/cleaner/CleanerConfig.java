package io.sluice.replication.log.cleaner;

import io.sluice.replication.log.LogCompactor;
import io.sluice.replication.log.SwapHook;
import io.sluice.replication.log.UnifiedLog;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Settings of the {@link LogCleaner}.
 *
 * @param enable {@code log.cleaner.enable}
 * @param threads {@code log.cleaner.threads}
 * @param dedupeBufferSize {@code log.cleaner.dedupe.buffer.size}: bytes of key-to-offset map shared by all threads
 * @param ioBufferSize {@code log.cleaner.io.buffer.size}: initial read and write buffer per thread (grown to fit
 *     the largest batch)
 * @param backoffMs {@code log.cleaner.backoff.ms}: pause when no log needs cleaning
 * @param loadFactor {@code log.cleaner.io.buffer.load.factor}: how full the offset map may get
 */
public record CleanerConfig(
        boolean enable, int threads, long dedupeBufferSize, int ioBufferSize, long backoffMs, double loadFactor)
        implements LogCompactor.Factory {

    /** Kafka's default {@code log.cleaner.dedupe.buffer.size}: 128 MiB. */
    public static final long DEFAULT_DEDUPE_BUFFER_SIZE = 128L * 1024 * 1024;
    /** Kafka's default {@code log.cleaner.io.buffer.size}: 512 KiB. */
    public static final int DEFAULT_IO_BUFFER_SIZE = 512 * 1024;
    /** Kafka's default {@code log.cleaner.backoff.ms}. */
    public static final long DEFAULT_BACKOFF_MS = 15_000L;
    /** Kafka's default {@code log.cleaner.io.buffer.load.factor}. */
    public static final double DEFAULT_LOAD_FACTOR = 0.9;

    public CleanerConfig {
        if (threads < 0) {
            throw new IllegalArgumentException("log.cleaner.threads must be non-negative, got " + threads);
        }
        if (enable && threads > 0 && dedupeBufferSize / threads < 1024 * 1024) {
            throw new IllegalArgumentException("log.cleaner.dedupe.buffer.size " + dedupeBufferSize
                    + " leaves less than 1 MiB per cleaner thread (" + threads + " threads)");
        }
        if (ioBufferSize < 1024 || backoffMs <= 0 || !(loadFactor > 0 && loadFactor <= 1)) {
            throw new IllegalArgumentException("invalid log cleaner settings: io buffer " + ioBufferSize + ", backoff "
                    + backoffMs + " ms, load factor " + loadFactor);
        }
    }

    /** Kafka's defaults, cleaner on with one thread. */
    public static CleanerConfig defaults() {
        return new CleanerConfig(
                true, 1, DEFAULT_DEDUPE_BUFFER_SIZE, DEFAULT_IO_BUFFER_SIZE, DEFAULT_BACKOFF_MS, DEFAULT_LOAD_FACTOR);
    }

    /** No cleaner. */
    public static CleanerConfig disabled() {
        return new CleanerConfig(
                false, 0, DEFAULT_DEDUPE_BUFFER_SIZE, DEFAULT_IO_BUFFER_SIZE, DEFAULT_BACKOFF_MS, DEFAULT_LOAD_FACTOR);
    }

    /** Whether cleaner threads run. */
    public boolean active() {
        return enable && threads > 0;
    }

    /** A {@link LogCleaner} with these settings when {@link #active()}, else none. */
    @Override
    public Optional<LogCompactor> create(List<Path> logDirs, Supplier<Collection<UnifiedLog>> logs, Clock clock) {
        return active() ? Optional.of(new LogCleaner(this, logDirs, logs, clock, SwapHook.NONE)) : Optional.empty();
    }

    /** Bytes of offset map per thread, at most 2 GiB (one Java buffer). */
    int mapBytesPerThread() {
        return (int) Math.min(Integer.MAX_VALUE - 64, dedupeBufferSize / Math.max(1, threads));
    }
}
