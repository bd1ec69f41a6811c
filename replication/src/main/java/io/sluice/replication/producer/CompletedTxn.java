package io.sluice.replication.producer;

/**
 * A transaction that a COMMIT or ABORT marker ended on one partition.
 *
 * @param producerId the producer whose transaction ended
 * @param firstOffset the offset of the transaction's first batch on this partition
 * @param lastOffset the offset of the marker
 * @param aborted whether the marker was ABORT
 */
public record CompletedTxn(long producerId, long firstOffset, long lastOffset, boolean aborted) {}
