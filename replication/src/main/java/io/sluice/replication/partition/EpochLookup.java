package io.sluice.replication.partition;

import io.sluice.replication.epoch.EpochEndOffset;
import java.util.Objects;
import org.apache.kafka.common.protocol.Errors;

/**
 * The answer to an OffsetForLeaderEpoch lookup for one partition on its leader.
 *
 * @param error NONE or the partition error
 * @param endOffset where the requested epoch ends ({@link EpochEndOffset#UNDEFINED} on an error or when the log knows
 *     no such epoch)
 */
public record EpochLookup(Errors error, EpochEndOffset endOffset) {
    public EpochLookup {
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(endOffset, "endOffset");
    }

    public static EpochLookup error(Errors error) {
        return new EpochLookup(error, EpochEndOffset.UNDEFINED);
    }
}
