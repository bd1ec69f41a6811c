package io.sluice.controller;

import io.sluice.controller.channel.ControllerRequestBatch;
import io.sluice.controller.context.ControllerContext;
import io.sluice.controller.context.ReplicaKey;
import io.sluice.controller.leader.ElectionResult;
import io.sluice.controller.statemachine.PartitionState;
import io.sluice.controller.statemachine.ReplicaState;
import io.sluice.controller.zk.ControllerZkWriter;
import io.sluice.controller.zk.PartialUpdateException;
import io.sluice.metadata.config.TopicConfig;
import io.sluice.metadata.model.LeaderAndIsr;
import io.sluice.metadata.zk.ConfigEntityZNode;
import io.sluice.metadata.zk.ZkStore;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the partition and replica state machines: turns the pure decisions of
 * {@link io.sluice.controller.leader.LeaderElection} into fenced ZooKeeper writes, the context, and the broker requests
 * of the current event's batch.
 *
 * <p>Every write goes through {@link ControllerZkWriter} (fenced; many partitions per multi). When a partition's state
 * znode moved under the controller (its version is not the expected partition epoch), the partition is re-read and
 * its decision taken once more. A controller-initiated ISR change (a follower died or is shutting down) bumps the
 * leader epoch, as Kafka's ZooKeeper-mode controller does, so the brokers' "leader epoch must be newer" rule accepts
 * the LeaderAndIsr that carries it.
 *
 * <p>Concurrency: used only by the controller event thread.
 */
final class PartitionLeadershipManager {
    private static final Logger log = LoggerFactory.getLogger(PartitionLeadershipManager.class);

    /** A leader-election rule applied to one partition. */
    @FunctionalInterface
    interface Strategy {
        ElectionResult decide(
                TopicPartition tp, List<Integer> assignment, io.sluice.controller.leader.LeaderAndIsr current);
    }

    private static final java.time.Duration CONFIG_READ_TIMEOUT = java.time.Duration.ofSeconds(60);

    private final ControllerConfig config;
    private final ControllerContext ctx;
    private final ZkStore store;
    private final ControllerZkWriter writer;
    private final ControllerRequestBatch batch;
    private final ElectionTimings timings;
    private final java.util.function.LongSupplier nanoTime;

    PartitionLeadershipManager(
            ControllerConfig config,
            ControllerContext ctx,
            ZkStore store,
            ControllerZkWriter writer,
            ControllerRequestBatch batch,
            ElectionTimings timings,
            java.util.function.LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.config = config;
        this.ctx = ctx;
        this.store = store;
        this.writer = writer;
        this.batch = batch;
        this.timings = timings;
    }

    /** Decision and write time of elections, for failover breakdowns. */
    static final class ElectionTimings {
        long decideNanos;
        long writeNanos;

        void reset() {
            decideNanos = 0;
            writeNanos = 0;
        }
    }

    /**
     * New partitions (New state): leader = first live assigned replica, ISR = live assigned replicas, leader epoch 0.
     * Writes the state znodes under the fence, moves partitions and replicas online, and batches LeaderAndIsr to the
     * live replicas and UpdateMetadata to every live broker. Partitions with no live replica go Offline.
     */
    void initializeNewPartitions(Collection<TopicPartition> partitions) {
        Map<TopicPartition, LeaderAndIsr> toCreate = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            List<Integer> replicas = ctx.replicas(tp);
            if (ctx.partitionState(tp) == PartitionState.NonExistent) {
                ctx.transition(tp, PartitionState.New);
            }
            for (int b : replicas) {
                ReplicaKey key = new ReplicaKey(tp, b);
                if (ctx.replicaState(key) == ReplicaState.NonExistentReplica) {
                    ctx.transition(key, ReplicaState.New);
                }
            }
            List<Integer> live = replicas.stream().filter(ctx::isLive).toList();
            if (live.isEmpty()) {
                log.warn(
                        "[Controller epoch={}] new partition {} has no live replica among {}; it stays New",
                        ctx.epoch(),
                        tp,
                        replicas);
                continue;
            }
            toCreate.put(tp, LeaderAndIsr.initial(live.get(0), live, ctx.epoch()));
        }
        if (toCreate.isEmpty()) {
            return;
        }
        long start = nanoTime.getAsLong();
        Map<TopicPartition, LeaderAndIsr> written;
        try {
            written = writer.createPartitionStates(toCreate);
        } catch (PartialUpdateException e) {
            // what was created is in ZooKeeper: the context and the brokers learn it before the failure goes on
            applyCreated(e.committed());
            throw e;
        }
        timings.writeNanos += nanoTime.getAsLong() - start;
        applyCreated(written);
    }

    private void applyCreated(Map<TopicPartition, LeaderAndIsr> written) {
        written.forEach((tp, state) -> {
            ctx.putLeaderAndIsr(tp, state);
            ctx.transition(tp, PartitionState.Online);
            List<Integer> replicas = ctx.replicas(tp);
            for (int b : replicas) {
                ctx.transition(new ReplicaKey(tp, b), ctx.isLive(b) ? ReplicaState.Online : ReplicaState.Offline);
            }
            batch.addLeaderAndIsr(liveReplicas(replicas), tp, state, replicas, true);
        });
        batch.addUpdateMetadata(ctx.liveBrokerIds(), written.keySet());
    }

    /**
     * Runs {@code strategy} on {@code partitions} and writes the changed states.
     *
     * @return the election result of every partition decided (after a conflict: the second decision)
     */
    Map<TopicPartition, ElectionResult> elect(Collection<TopicPartition> partitions, Strategy strategy) {
        Map<TopicPartition, ElectionResult> results = new LinkedHashMap<>();
        Map<TopicPartition, LeaderAndIsr> toWrite = decide(partitions, strategy, results);
        if (toWrite.isEmpty()) {
            return results;
        }
        long start = nanoTime.getAsLong();
        ControllerZkWriter.UpdateResult update = write(toWrite, results);
        timings.writeNanos += nanoTime.getAsLong() - start;
        apply(update.written(), results);
        if (!update.conflicts().isEmpty()) {
            log.info(
                    "[Controller epoch={}] partition states moved under the controller for {}; re-reading and"
                            + " deciding once more",
                    ctx.epoch(),
                    update.conflicts());
            for (TopicPartition tp : update.conflicts()) {
                store.partitionState(tp).ifPresent(s -> ctx.putLeaderAndIsr(tp, s));
            }
            Map<TopicPartition, LeaderAndIsr> retry = decide(update.conflicts(), strategy, results);
            if (!retry.isEmpty()) {
                ControllerZkWriter.UpdateResult second = write(retry, results);
                apply(second.written(), results);
                for (TopicPartition tp : second.conflicts()) {
                    log.error(
                            "[Controller epoch={}] partition {} state changed again under the controller;"
                                    + " giving up this election",
                            ctx.epoch(),
                            tp);
                    results.put(
                            tp,
                            new ElectionResult.Unchanged(
                                    toDecision(ctx.leaderAndIsr(tp).orElseThrow()),
                                    "concurrent modification of the partition state"));
                }
            }
        }
        return results;
    }

    /**
     * Writes {@code states}; when only part of them committed, applies that part to the context and the batch (so
     * they agree with ZooKeeper) before the failure goes on.
     */
    private ControllerZkWriter.UpdateResult write(
            Map<TopicPartition, LeaderAndIsr> states, Map<TopicPartition, ElectionResult> results) {
        try {
            return writer.updatePartitionStates(states);
        } catch (PartialUpdateException e) {
            apply(e.committed(), results);
            throw e;
        }
    }

    private Map<TopicPartition, LeaderAndIsr> decide(
            Collection<TopicPartition> partitions, Strategy strategy, Map<TopicPartition, ElectionResult> results) {
        long start = nanoTime.getAsLong();
        Map<TopicPartition, LeaderAndIsr> toWrite = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            LeaderAndIsr current = ctx.leaderAndIsr(tp).orElse(null);
            List<Integer> assignment = ctx.replicas(tp);
            if (current == null || assignment.isEmpty() || current.isr().isEmpty()) {
                continue;
            }
            ElectionResult result = strategy.decide(tp, assignment, toDecision(current));
            if (result instanceof ElectionResult.IsrChanged changed) {
                // controller-initiated ISR change: bump the leader epoch (Kafka ZooKeeper-mode rule)
                io.sluice.controller.leader.LeaderAndIsr s = changed.state();
                result = new ElectionResult.IsrChanged(
                        new io.sluice.controller.leader.LeaderAndIsr(s.leader(), s.leaderEpoch() + 1, s.isr()),
                        changed.reason());
            }
            results.put(tp, result);
            if (result.changed()) {
                io.sluice.controller.leader.LeaderAndIsr s = result.state();
                toWrite.put(
                        tp,
                        new LeaderAndIsr(s.leader(), s.leaderEpoch(), s.isr(), ctx.epoch(), current.partitionEpoch()));
            }
        }
        timings.decideNanos += nanoTime.getAsLong() - start;
        return toWrite;
    }

    private void apply(Map<TopicPartition, LeaderAndIsr> written, Map<TopicPartition, ElectionResult> results) {
        written.forEach((tp, state) -> {
            ctx.putLeaderAndIsr(tp, state);
            ElectionResult r = results.get(tp);
            if (r instanceof ElectionResult.Elected e && e.unclean()) {
                log.warn(
                        "[Controller epoch={}] unclean leader election for {}: leader {} was not in the ISR;"
                                + " committed data may be lost",
                        ctx.epoch(),
                        tp,
                        state.leader());
            }
            boolean online = state.hasLeader() && ctx.isLive(state.leader());
            ctx.transition(tp, online ? PartitionState.Online : PartitionState.Offline);
            List<Integer> replicas = ctx.replicas(tp);
            batch.addLeaderAndIsr(liveReplicas(replicas), tp, state, replicas, false);
        });
        batch.addUpdateMetadata(ctx.liveBrokerIds(), written.keySet());
    }

    /** Offline election for {@code partitions}, honouring each topic's unclean-election override. */
    Map<TopicPartition, ElectionResult> electOffline(Collection<TopicPartition> partitions) {
        Set<String> topics = new HashSet<>();
        partitions.forEach(tp -> topics.add(tp.topic()));
        Map<String, Boolean> unclean = uncleanEnabled(topics);
        Set<Integer> live = ctx.liveBrokerIds();
        return elect(
                partitions,
                (tp, assignment, current) -> io.sluice.controller.leader.LeaderElection.offlinePartitionLeader(
                        assignment, current, live, unclean.computeIfAbsent(tp.topic(), this::uncleanEnabled)));
    }

    /** {@link #uncleanEnabled(String)} for many topics, their config overrides read with pipelined reads. */
    Map<String, Boolean> uncleanEnabled(Set<String> topics) {
        Map<String, String> byPath = new HashMap<>();
        topics.forEach(t -> byPath.put(ConfigEntityZNode.topicPath(t), t));
        Map<String, Boolean> out = new HashMap<>();
        store.getAll(byPath.keySet(), CONFIG_READ_TIMEOUT).forEach((path, node) -> {
            String override = node.map(n -> ConfigEntityZNode.decode(path, n.data()))
                    .map(c -> c.get(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE))
                    .orElse(null);
            out.put(byPath.get(path), uncleanOverride(override));
        });
        return out;
    }

    /** Whether unclean election is enabled for {@code topic}: its override, else the cluster default. */
    boolean uncleanEnabled(String topic) {
        return uncleanOverride(store.topicConfig(topic).get(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE));
    }

    private boolean uncleanOverride(String override) {
        return override == null ? config.uncleanLeaderElectionEnable() : Boolean.parseBoolean(override.trim());
    }

    List<Integer> liveReplicas(List<Integer> replicas) {
        List<Integer> out = new ArrayList<>(replicas.size());
        for (int b : replicas) {
            if (ctx.isLive(b)) {
                out.add(b);
            }
        }
        return out;
    }

    static io.sluice.controller.leader.LeaderAndIsr toDecision(LeaderAndIsr s) {
        return new io.sluice.controller.leader.LeaderAndIsr(s.leader(), s.leaderEpoch(), s.isr());
    }
}
