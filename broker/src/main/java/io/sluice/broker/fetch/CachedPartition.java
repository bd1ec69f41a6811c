package io.sluice.broker.fetch;

import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.BaseRecords;

/**
 * A fetch session's memory of one partition: the last request fields the client sent for it and the last response
 * fields the broker sent for it. An incremental response carries the partition only when what it would send differs
 * from that memory (see {@link #maybeUpdate}).
 *
 * <p>Not thread-safe: guarded by the monitor of the {@link FetchSession} that holds it.
 */
final class CachedPartition {
    private FetchEntry request;
    /** -1 until a response carried the partition, and again after an error, so the partition is re-sent after it. */
    private long highWatermark = -1L;

    private long lastStableOffset = -1L;
    private long logStartOffset = -1L;

    CachedPartition(FetchEntry request) {
        this.request = request;
    }

    FetchEntry request() {
        return request;
    }

    void updateRequest(FetchEntry entry) {
        this.request = entry;
    }

    long highWatermark() {
        return highWatermark;
    }

    /**
     * Whether an incremental response must carry {@code data}: it has records, an error, a diverging epoch or a
     * preferred read replica, or its high watermark, last stable offset or log start offset changed. When {@code
     * update}, remembers the offsets sent (an error resets the remembered high watermark).
     */
    boolean maybeUpdate(PartitionData data, boolean update) {
        boolean mustRespond = recordsSize(data.records()) > 0
                || data.preferredReadReplica() >= 0
                || data.divergingEpoch().epoch() >= 0
                || data.divergingEpoch().endOffset() >= 0;
        if (data.highWatermark() != highWatermark) {
            mustRespond = true;
            if (update) {
                highWatermark = data.highWatermark();
            }
        }
        if (data.lastStableOffset() != lastStableOffset) {
            mustRespond = true;
            if (update) {
                lastStableOffset = data.lastStableOffset();
            }
        }
        if (data.logStartOffset() != logStartOffset) {
            mustRespond = true;
            if (update) {
                logStartOffset = data.logStartOffset();
            }
        }
        if (data.errorCode() != Errors.NONE.code()) {
            mustRespond = true;
            if (update) {
                highWatermark = -1L;
            }
        }
        return mustRespond;
    }

    private static int recordsSize(BaseRecords records) {
        return records == null ? 0 : records.sizeInBytes();
    }
}
