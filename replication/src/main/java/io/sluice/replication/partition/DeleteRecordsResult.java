package io.sluice.replication.partition;

import org.apache.kafka.common.protocol.Errors;

/**
 * The outcome of a DeleteRecords for one partition.
 *
 * @param error NONE or why nothing was deleted
 * @param lowWatermark with NONE, the offset below which records are deleted on the leader and every in-sync
 *     follower (or, before replication, on the leader); else -1
 * @param message a description of the error, or null
 */
public record DeleteRecordsResult(Errors error, long lowWatermark, String message) {
    /** The offset a DeleteRecords request uses for "up to the high watermark". */
    public static final long HIGH_WATERMARK = -1L;

    static DeleteRecordsResult error(Errors error, String message) {
        return new DeleteRecordsResult(error, -1L, message);
    }

    static DeleteRecordsResult deletedBefore(long offset) {
        return new DeleteRecordsResult(Errors.NONE, offset, null);
    }
}
