package io.sluice.replication.partition;

import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;

/**
 * The outcome of a leader append for one partition, as the produce response needs it.
 *
 * @param error NONE, or why nothing was written
 * @param message detail for the response's error message, empty if none
 * @param baseOffset the first offset of the appended (or, for a duplicate, the original) records; -1 on error
 * @param lastOffset the last such offset; -1 on error
 * @param logAppendTimeMs always -1 (CreateTime topics)
 * @param logStartOffset the log start offset after the append; -1 on error
 * @param duplicate whether the batch was a retry of one already in the log (nothing written)
 * @param leaderEpoch the leader epoch the append was accepted at; -1 on error
 */
public record AppendResult(
        Errors error,
        String message,
        long baseOffset,
        long lastOffset,
        long logAppendTimeMs,
        long logStartOffset,
        boolean duplicate,
        int leaderEpoch) {

    public static AppendResult error(Errors error, String message) {
        return new AppendResult(error, message, -1L, -1L, RecordBatch.NO_TIMESTAMP, -1L, false, -1);
    }

    /** The offset the high watermark must pass for acks=all to succeed. */
    public long requiredOffset() {
        return lastOffset + 1;
    }
}
