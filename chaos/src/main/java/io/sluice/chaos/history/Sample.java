package io.sluice.chaos.history;

import java.util.List;
import java.util.Map;

/**
 * What the metadata sampler read, once a second: the controller and its epoch from ZooKeeper ({@code /controller},
 * {@code /controller_epoch}), and per partition the state znode (leader, leader epoch, ISR), the assignment
 * (replicas) and the high watermark (ListOffsets latest, read_uncommitted, from the leader). A field the sampler could
 * not read is null (-1 for numbers).
 */
public record Sample(long t, int controller, int controllerEpoch, Map<String, PartitionSample> partitions)
        implements Event {

    /** One partition as sampled. */
    public record PartitionSample(
            int leader, int leaderEpoch, List<Integer> isr, List<Integer> replicas, long highWatermark) {}
}
