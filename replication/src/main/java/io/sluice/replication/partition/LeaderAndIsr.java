package io.sluice.replication.partition;

import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.message.LeaderAndIsrRequestData.LeaderAndIsrPartitionState;

/**
 * The part of a LeaderAndIsr partition state a replica acts on.
 *
 * @param leader the leader's broker id (-1 when the partition has none)
 * @param leaderEpoch the leader epoch, bumped by the controller on every leader election (and controller ISR change)
 * @param isr the committed in-sync replicas
 * @param partitionEpoch the partition-state version (the znode version in ZooKeeper), bumped on every change
 * @param replicas the assigned replicas, preferred leader first
 */
public record LeaderAndIsr(int leader, int leaderEpoch, List<Integer> isr, int partitionEpoch, List<Integer> replicas) {

    public LeaderAndIsr {
        isr = List.copyOf(Objects.requireNonNull(isr, "isr"));
        replicas = List.copyOf(Objects.requireNonNull(replicas, "replicas"));
    }

    /** Takes the fields from a LeaderAndIsr request's partition state. */
    public static LeaderAndIsr from(LeaderAndIsrPartitionState state) {
        return new LeaderAndIsr(
                state.leader(), state.leaderEpoch(), state.isr(), state.partitionEpoch(), state.replicas());
    }
}
