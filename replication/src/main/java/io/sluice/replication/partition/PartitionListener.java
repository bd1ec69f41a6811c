package io.sluice.replication.partition;

import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * Told by a {@link Partition} about changes that may complete delayed operations or move metrics. Always called
 * holding no partition lock, so an implementation may call {@code checkAndComplete} on a purgatory.
 */
public interface PartitionListener {
    /** A no-op listener. */
    PartitionListener NONE = new PartitionListener() {};

    /** The leader's high watermark moved up. */
    default void onHighWatermarkIncremented(TopicPartition tp) {}

    /** The controller committed an ISR change this leader proposed. */
    default void onIsrCommitted(TopicPartition tp, Set<Integer> oldIsr, Set<Integer> newIsr) {}

    /** {@code what} of this partition's log threw {@code cause}, which may be a failure of its log directory. */
    default void onStorageFault(TopicPartition tp, String what, Throwable cause) {}
}
