package io.sluice.replication.log;

/**
 * The result of {@link UnifiedLog#read}: whole batches plus the log's bounds at the time of the read.
 *
 * @param records the file-backed bytes to send, possibly empty
 * @param logStartOffset the first offset of the log
 * @param logEndOffset the offset the next appended record will get
 */
public record LogReadInfo(FileSlice records, long logStartOffset, long logEndOffset) {}
