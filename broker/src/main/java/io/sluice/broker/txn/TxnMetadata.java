package io.sluice.broker.txn;

import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * The state of one transactional id, as stored in {@code __transaction_state}: immutable, replaced on every
 * transition.
 *
 * @param transactionalId the id
 * @param producerId the producer id it owns
 * @param producerEpoch the current epoch (bumped by InitProducerId and by timeouts)
 * @param timeoutMs {@code transaction.timeout.ms} the producer asked for
 * @param state the state
 * @param partitions the partitions in the transaction (empty when idle)
 * @param startTimestampMs when the open transaction started, -1 when none is open
 * @param lastUpdateTimestampMs when it last changed
 */
public record TxnMetadata(
        String transactionalId,
        long producerId,
        short producerEpoch,
        int timeoutMs,
        TxnState state,
        Set<TopicPartition> partitions,
        long startTimestampMs,
        long lastUpdateTimestampMs) {

    public TxnMetadata {
        partitions = Set.copyOf(partitions);
    }

    /** This id moved to {@code next} at {@code nowMs}, with {@code nextPartitions}. */
    TxnMetadata to(TxnState next, Set<TopicPartition> nextPartitions, long nowMs) {
        if (!next.validPrevious().contains(state)) {
            throw new IllegalStateException(
                    "invalid transition of transactional id " + transactionalId + " from " + state + " to " + next);
        }
        long start = next == TxnState.ONGOING && state != TxnState.ONGOING ? nowMs : startTimestampMs;
        return new TxnMetadata(
                transactionalId, producerId, producerEpoch, timeoutMs, next, nextPartitions, start, nowMs);
    }

    /** This id with another producer epoch. */
    TxnMetadata withEpoch(short epoch) {
        return new TxnMetadata(
                transactionalId,
                producerId,
                epoch,
                timeoutMs,
                state,
                partitions,
                startTimestampMs,
                lastUpdateTimestampMs);
    }
}
