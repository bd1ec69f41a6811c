package io.sluice.replication.producer;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Immutable state of one producer on one partition: its current epoch and the metadata of its last (at most {@value
 * #NUM_BATCHES_TO_RETAIN}) batches in that epoch, oldest first. Five is the most in-flight requests per connection a
 * stock idempotent producer allows, so any retry it can send is among them.
 *
 * @param producerId the producer id
 * @param epoch the producer epoch all {@code batches} were written with
 * @param batches oldest first, never empty, at most {@value #NUM_BATCHES_TO_RETAIN}
 * @param lastTimestamp the timestamp of the most recent batch, used for producer-id expiration
 */
public record ProducerStateEntry(long producerId, short epoch, List<BatchMetadata> batches, long lastTimestamp) {
    /** Batches remembered per producer. */
    public static final int NUM_BATCHES_TO_RETAIN = 5;

    public ProducerStateEntry {
        batches = List.copyOf(batches);
        if (batches.isEmpty() || batches.size() > NUM_BATCHES_TO_RETAIN) {
            throw new IllegalArgumentException("Producer " + producerId + " needs 1.." + NUM_BATCHES_TO_RETAIN
                    + " batches, got " + batches.size());
        }
    }

    /** A producer seen for the first time, or seen with a new epoch. */
    static ProducerStateEntry first(long producerId, short epoch, BatchMetadata batch) {
        return new ProducerStateEntry(producerId, epoch, List.of(batch), batch.timestamp());
    }

    /** This producer after appending {@code batch} in the same epoch; the oldest batch drops out past the limit. */
    ProducerStateEntry withBatch(BatchMetadata batch) {
        List<BatchMetadata> next = new ArrayList<>(NUM_BATCHES_TO_RETAIN);
        int from = batches.size() == NUM_BATCHES_TO_RETAIN ? 1 : 0;
        next.addAll(batches.subList(from, batches.size()));
        next.add(batch);
        return new ProducerStateEntry(producerId, epoch, next, batch.timestamp());
    }

    /** The most recent batch. */
    public BatchMetadata lastBatch() {
        return batches.get(batches.size() - 1);
    }

    /** The last sequence written. */
    public int lastSeq() {
        return lastBatch().lastSeq();
    }

    /** The last offset written. */
    public long lastOffset() {
        return lastBatch().lastOffset();
    }

    /** The cached batch of {@code epoch} with exactly the sequence range {@code [firstSeq, lastSeq]}, if any. */
    public Optional<BatchMetadata> findDuplicate(short batchEpoch, int firstSeq, int lastSeq) {
        if (batchEpoch != epoch) {
            return Optional.empty();
        }
        for (BatchMetadata batch : batches) {
            if (batch.hasSequenceRange(firstSeq, lastSeq)) {
                return Optional.of(batch);
            }
        }
        return Optional.empty();
    }

    /**
     * This producer with only the batches whose last offset is below {@code offset}; empty if none remain.
     */
    Optional<ProducerStateEntry> truncatedFrom(long offset) {
        List<BatchMetadata> kept = new ArrayList<>(batches.size());
        for (BatchMetadata batch : batches) {
            if (batch.lastOffset() < offset) {
                kept.add(batch);
            }
        }
        if (kept.size() == batches.size()) {
            return Optional.of(this);
        }
        if (kept.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new ProducerStateEntry(
                producerId, epoch, kept, kept.get(kept.size() - 1).timestamp()));
    }
}
