package io.sluice.controller.leader;

import java.util.List;

/**
 * The leader, leader epoch and ISR of one partition, as stored in its state znode (without the
 * controller epoch and the znode version, which belong to the write). Immutable.
 *
 * @param leader the leader's broker id, or {@link #NO_LEADER}
 * @param leaderEpoch bumped by every election that changes the leader
 * @param isr the in-sync replicas; never empty
 */
public record LeaderAndIsr(int leader, int leaderEpoch, List<Integer> isr) {

    /** The leader id of a partition without leader. */
    public static final int NO_LEADER = -1;

    public LeaderAndIsr {
        isr = List.copyOf(isr);
        if (isr.isEmpty()) {
            throw new IllegalArgumentException("the ISR is never empty");
        }
        if (leaderEpoch < 0) {
            throw new IllegalArgumentException("leader epoch must be non-negative: " + leaderEpoch);
        }
        if (leader < NO_LEADER) {
            throw new IllegalArgumentException("invalid leader id: " + leader);
        }
    }

    /** Whether the partition has a leader. */
    public boolean hasLeader() {
        return leader != NO_LEADER;
    }

    /** The same partition with a new leader and ISR, leader epoch + 1. */
    LeaderAndIsr withNewLeader(int newLeader, List<Integer> newIsr) {
        return new LeaderAndIsr(newLeader, leaderEpoch + 1, newIsr);
    }

    /** The same leader and leader epoch with a new ISR. */
    LeaderAndIsr withIsr(List<Integer> newIsr) {
        return new LeaderAndIsr(leader, leaderEpoch, newIsr);
    }
}
