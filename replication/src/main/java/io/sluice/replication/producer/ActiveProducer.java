package io.sluice.replication.producer;

/**
 * What DescribeProducers reports of one producer on one partition.
 *
 * @param producerId the producer id
 * @param producerEpoch its current epoch on this partition
 * @param lastSequence the last sequence it wrote
 * @param lastTimestamp the max timestamp of its last batch
 * @param coordinatorEpoch the coordinator epoch of its last transaction marker here, -1 if none
 * @param currentTxnStartOffset the first offset of its open transaction here, -1 if none is open
 */
public record ActiveProducer(
        long producerId,
        short producerEpoch,
        int lastSequence,
        long lastTimestamp,
        int coordinatorEpoch,
        long currentTxnStartOffset) {}
