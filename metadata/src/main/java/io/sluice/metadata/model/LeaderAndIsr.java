package io.sluice.metadata.model;

import java.util.List;

/**
 * The leadership state of one partition, as held in {@code /brokers/topics/T/partitions/P/state}.
 *
 * @param leader the leader broker id, or {@link #NO_LEADER}
 * @param leaderEpoch bumped on every leader election
 * @param isr the in-sync replicas
 * @param controllerEpoch the epoch of the controller that wrote the state
 * @param partitionEpoch the zkVersion of the state znode; bumped by every write
 */
public record LeaderAndIsr(int leader, int leaderEpoch, List<Integer> isr, int controllerEpoch, int partitionEpoch) {

    /** Leader id meaning "no leader". */
    public static final int NO_LEADER = -1;

    /** Leader id written while the topic is being deleted (Kafka's value). */
    public static final int LEADER_DURING_DELETE = -2;

    /** Partition epoch of a state not yet written to ZooKeeper. */
    public static final int INITIAL_PARTITION_EPOCH = 0;

    public LeaderAndIsr {
        isr = List.copyOf(isr);
    }

    /** The state of a new partition: leader epoch 0. */
    public static LeaderAndIsr initial(int leader, List<Integer> isr, int controllerEpoch) {
        return new LeaderAndIsr(leader, 0, isr, controllerEpoch, INITIAL_PARTITION_EPOCH);
    }

    public boolean hasLeader() {
        return leader >= 0;
    }

    /** A new leader and ISR with the leader epoch bumped, written by {@code controllerEpoch}. */
    public LeaderAndIsr newLeader(int newLeader, List<Integer> newIsr, int newControllerEpoch) {
        return new LeaderAndIsr(newLeader, leaderEpoch + 1, newIsr, newControllerEpoch, partitionEpoch);
    }

    /** A new ISR with leader and leader epoch unchanged (an ISR shrink or expansion). */
    public LeaderAndIsr withIsr(List<Integer> newIsr, int newControllerEpoch) {
        return new LeaderAndIsr(leader, leaderEpoch, newIsr, newControllerEpoch, partitionEpoch);
    }

    /** A copy carrying the zkVersion a write returned. */
    public LeaderAndIsr withPartitionEpoch(int newPartitionEpoch) {
        return new LeaderAndIsr(leader, leaderEpoch, isr, controllerEpoch, newPartitionEpoch);
    }
}
