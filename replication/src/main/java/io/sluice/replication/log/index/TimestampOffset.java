package io.sluice.replication.log.index;

/**
 * A time index entry: the largest timestamp seen so far in a segment and the last offset of the batch carrying it.
 *
 * @param timestamp milliseconds since the epoch, -1 for "none"
 * @param offset absolute offset
 */
public record TimestampOffset(long timestamp, long offset) {}
