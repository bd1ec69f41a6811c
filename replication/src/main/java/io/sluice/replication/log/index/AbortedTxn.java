package io.sluice.replication.log.index;

/**
 * One aborted transaction on a partition, as an entry of the aborted-transaction index and as a fetch response's
 * {@code aborted_transactions} element.
 *
 * @param producerId the producer whose transaction was aborted
 * @param firstOffset the offset of the transaction's first batch on the partition
 * @param lastOffset the offset of the ABORT marker
 * @param lastStableOffset the partition's last stable offset when the marker was appended
 */
public record AbortedTxn(long producerId, long firstOffset, long lastOffset, long lastStableOffset) {}
