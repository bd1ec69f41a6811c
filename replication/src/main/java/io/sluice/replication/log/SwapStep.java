package io.sluice.replication.log;

/**
 * The steps of a crash-safe segment swap ({@link UnifiedLog#replaceSegments}), in order. A crash after
 * {@link #SWAP_COMMITTED} leaves the new segment set on the next load, a crash before it the old one.
 */
public enum SwapStep {
    /** The cleaned segment ({@code .cleaned} files) and its range file are written and fsynced. */
    CLEANED_WRITTEN,
    /** The range file and both indexes were renamed to {@code .swap}; the log file is still {@code .cleaned}. */
    SWAP_INDEXES_RENAMED,
    /** The log file was renamed to {@code .swap}: the commit point. */
    SWAP_COMMITTED,
    /** The replaced segments were renamed to {@code .deleted} (removed after {@code file.delete.delay.ms}). */
    OLD_SEGMENTS_DELETED,
    /** Both indexes of the new segment have their final names; the log file is still {@code .swap}. */
    FINAL_INDEXES_RENAMED,
    /** The log file has its final name; only the range file is left to remove. */
    FINAL_LOG_RENAMED
}
