package io.sluice.replication.partition;

import io.sluice.replication.epoch.EpochEndOffset;
import io.sluice.replication.log.FileSlice;
import io.sluice.replication.log.index.AbortedTxn;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.protocol.Errors;

/**
 * The result of reading one partition for a fetch: what the broker maps onto a FetchResponse partition.
 *
 * @param error NONE or the partition error
 * @param records whole batches to send, empty if none (never {@code null}; {@link Optional#empty()} on error)
 * @param highWatermark the leader's high watermark, -1 on error
 * @param lastStableOffset the high watermark, or the first offset of the earliest open transaction if lower; -1 on
 *     error
 * @param logStartOffset the log start offset, -1 on error
 * @param logEndOffset the leader's log end offset at the read, -1 on error
 * @param divergingEpoch for a follower whose last fetched epoch diverges: where the leader's history of that epoch
 *     ends; no records then
 * @param abortedTransactions for a read_committed read, the aborted transactions overlapping the range read; empty
 *     otherwise
 */
public record ReadResult(
        Errors error,
        Optional<FileSlice> records,
        long highWatermark,
        long lastStableOffset,
        long logStartOffset,
        long logEndOffset,
        Optional<EpochEndOffset> divergingEpoch,
        List<AbortedTxn> abortedTransactions) {

    public ReadResult {
        abortedTransactions = List.copyOf(abortedTransactions);
    }

    /** A result without aborted transactions. */
    public ReadResult(
            Errors error,
            Optional<FileSlice> records,
            long highWatermark,
            long lastStableOffset,
            long logStartOffset,
            long logEndOffset,
            Optional<EpochEndOffset> divergingEpoch) {
        this(error, records, highWatermark, lastStableOffset, logStartOffset, logEndOffset, divergingEpoch, List.of());
    }

    public static ReadResult error(Errors error) {
        return new ReadResult(error, Optional.empty(), -1L, -1L, -1L, -1L, Optional.empty());
    }

    /** Bytes of records in this result. */
    public int bytes() {
        return records.map(FileSlice::length).orElse(0);
    }
}
