package io.sluice.metadata.model;

/**
 * A block of producer ids claimed by one broker from {@code /latest_producer_id_block}.
 *
 * @param assignedBroker the broker that claimed the block
 * @param firstProducerId the first id of the block
 * @param size the number of ids in the block
 */
public record ProducerIdBlock(int assignedBroker, long firstProducerId, int size) {

    /** Sluice claims producer ids in blocks of this size (Kafka's {@code PRODUCER_ID_BLOCK_SIZE}). */
    public static final int DEFAULT_BLOCK_SIZE = 1000;

    public ProducerIdBlock {
        if (firstProducerId < 0 || size <= 0) {
            throw new IllegalArgumentException("Invalid producer id block " + firstProducerId + "+" + size);
        }
    }

    /** The last id of the block (inclusive). */
    public long lastProducerId() {
        return firstProducerId + size - 1;
    }

    /**
     * The block that follows {@code previous} (or the first block, starting at 0, when there is none), claimed by
     * {@code broker}.
     *
     * @throws IllegalStateException if the producer id space is exhausted
     */
    public static ProducerIdBlock next(ProducerIdBlock previous, int broker, int size) {
        long first = previous == null ? 0L : previous.lastProducerId() + 1;
        if (first > Long.MAX_VALUE - size) {
            throw new IllegalStateException("Producer id space exhausted after " + previous);
        }
        return new ProducerIdBlock(broker, first, size);
    }
}
