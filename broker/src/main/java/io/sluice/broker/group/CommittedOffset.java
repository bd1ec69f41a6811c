package io.sluice.broker.group;

import java.util.Objects;

/**
 * A committed offset of one partition, as the group coordinator stores it.
 *
 * @param offset the committed offset (the next record the group will read)
 * @param leaderEpoch the leader epoch of the last consumed record, or -1 when the client sent none
 * @param metadata the client's metadata string (empty, never null)
 * @param commitTimestampMs when the coordinator accepted the commit
 * @param expireTimestampMs an explicit expiry the client asked for (OffsetCommit v1 only), or -1 for none
 */
public record CommittedOffset(
        long offset, int leaderEpoch, String metadata, long commitTimestampMs, long expireTimestampMs) {
    public CommittedOffset {
        Objects.requireNonNull(metadata, "metadata");
    }
}
