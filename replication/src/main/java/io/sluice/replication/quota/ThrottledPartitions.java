package io.sluice.replication.quota;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The partitions of one topic whose replication this broker throttles, read from a topic's {@code
 * leader.replication.throttled.replicas} or {@code follower.replication.throttled.replicas}: {@code *} throttles every
 * partition; a list of {@code partition:broker} pairs throttles the partitions paired with this broker's id (the
 * leader list names the replicas that serve a moving partition, the follower list the replicas that copy it, as
 * {@code kafka-reassign-partitions.sh --throttle} writes them).
 *
 * @param all whether every partition of the topic is throttled ({@code *})
 * @param partitions the throttled partition indexes when not {@code all}
 */
public record ThrottledPartitions(boolean all, Set<Integer> partitions) {
    /** No partition throttled. */
    public static final ThrottledPartitions NONE = new ThrottledPartitions(false, Set.of());
    /** Every partition throttled. */
    public static final ThrottledPartitions ALL = new ThrottledPartitions(true, Set.of());

    public ThrottledPartitions {
        partitions = Set.copyOf(partitions);
    }

    /**
     * The partitions {@code entries} (a validated throttled-replicas list) throttle on broker {@code brokerId}.
     *
     * @throws IllegalArgumentException on an entry that is neither {@code *} nor {@code partition:broker}
     */
    public static ThrottledPartitions parse(List<String> entries, int brokerId) {
        Set<Integer> throttled = new HashSet<>();
        for (String raw : entries) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            if (entry.equals("*")) {
                return ALL;
            }
            int colon = entry.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("not a partition:broker pair: '" + entry + "'");
            }
            try {
                int partition = Integer.parseInt(entry.substring(0, colon).trim());
                int broker = Integer.parseInt(entry.substring(colon + 1).trim());
                if (broker == brokerId) {
                    throttled.add(partition);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a partition:broker pair: '" + entry + "'", e);
            }
        }
        return throttled.isEmpty() ? NONE : new ThrottledPartitions(false, throttled);
    }

    /** Whether partition {@code partition} is throttled. */
    public boolean contains(int partition) {
        return all || partitions.contains(partition);
    }

    /** Whether no partition is throttled. */
    public boolean isEmpty() {
        return !all && partitions.isEmpty();
    }
}
