package io.sluice.replication.partition;

import org.apache.kafka.common.protocol.Errors;

/**
 * The answer to a ListOffsets lookup for one partition.
 *
 * @param error NONE or the partition error
 * @param timestamp the timestamp of the found record, -1 for earliest/latest or none
 * @param offset the offset found, -1 if none
 * @param leaderEpoch the leader epoch of the found offset, -1 if unknown
 */
public record OffsetLookup(Errors error, long timestamp, long offset, int leaderEpoch) {
    public static OffsetLookup error(Errors error) {
        return new OffsetLookup(error, -1L, -1L, -1);
    }
}
