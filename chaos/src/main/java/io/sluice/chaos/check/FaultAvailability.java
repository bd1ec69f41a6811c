package io.sluice.chaos.check;

import java.util.List;

/**
 * How long one fault kept the cluster from serving.
 *
 * @param id the fault's id
 * @param name the fault's kind
 * @param targets the broker ids it acted on (-1 for ZooKeeper)
 * @param start when it was injected (ms since the run started)
 * @param stop when it was undone, -1 if never
 * @param healed when every ISR was full again after it, -1 if never
 * @param clusterWide whether every partition counts as affected (no sampled leader was among the targets)
 * @param partitions the affected partitions, each with its recovery times
 * @param livenessWindowEnd the end of the window after {@code healed} in which the liveness rule held the fault to
 *     account (the next fault's start or the final read), -1 when there was no such window (another fault still
 *     active at {@code healed}, or never healed)
 * @param longestGapAfterHealMs the longest time a partition went without an ack while producers were sending to it,
 *     within that window; -1 without a window
 * @param longestGapPartition the partition of that gap, null if none
 * @param longestGapStart when that gap began, -1 if none
 */
public record FaultAvailability(
        String id,
        String name,
        List<Integer> targets,
        long start,
        long stop,
        long healed,
        boolean clusterWide,
        List<PartitionAvailability> partitions,
        long livenessWindowEnd,
        long longestGapAfterHealMs,
        String longestGapPartition,
        long longestGapStart) {

    /**
     * One affected partition's recovery from the fault's start.
     *
     * @param partition the partition
     * @param msToAck ms from the fault's start to the first acknowledgement of a write sent at or after the start, -1
     *     if none before the end of the run
     * @param msToRead ms from the fault's start to the first poll of the partition by a workload consumer that
     *     returned a value sent at or after the start, -1 if none
     */
    public record PartitionAvailability(String partition, long msToAck, long msToRead) {}

    /** The longest {@link PartitionAvailability#msToAck} over the affected partitions; -1 if one never recovered. */
    public long maxMsToAck() {
        long max = 0;
        for (PartitionAvailability p : partitions) {
            if (p.msToAck() < 0) {
                return -1;
            }
            max = Math.max(max, p.msToAck());
        }
        return max;
    }
}
