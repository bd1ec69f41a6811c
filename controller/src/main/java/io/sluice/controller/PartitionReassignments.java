package io.sluice.controller;

import io.sluice.controller.channel.ControllerRequestBatch;
import io.sluice.controller.context.ControllerContext;
import io.sluice.controller.context.ReplicaKey;
import io.sluice.controller.statemachine.PartitionState;
import io.sluice.controller.statemachine.ReplicaState;
import io.sluice.controller.zk.ControllerZkWriter;
import io.sluice.controller.zk.PartialUpdateException;
import io.sluice.metadata.model.LeaderAndIsr;
import io.sluice.metadata.model.PartitionAssignment;
import io.sluice.metadata.model.TopicMetadata;
import io.sluice.metadata.zk.ReassignPartitionsZNode;
import io.sluice.metadata.zk.ZkDataException;
import io.sluice.metadata.zk.ZkNode;
import io.sluice.metadata.zk.ZkStore;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Partition reassignment (KIP-455) as Kafka's ZooKeeper-mode controller drives it, on the event thread. The rules are
 * in {@link ReassignmentRules}; this class writes them and sends the broker requests.
 *
 * <p>Starting a move (AlterPartitionReassignments, {@code /admin/reassign_partitions}, or a failover finding a topic
 * znode with {@code adding_replicas}/{@code removing_replicas}):
 *
 * <ol>
 *   <li>the topic znode gets RS = TRS ++ ORS, AR and RR (fenced write), the context follows;
 *   <li>if the target replicas are not all in the ISR yet: the leader epoch is bumped (same leader and ISR) and every
 *       live replica of RS gets LeaderAndIsr, so the new replicas create their logs and fetch from the leader, and the
 *       leader accepts them into the ISR once caught up (AlterPartition);
 *   <li>else, or later when an AlterPartition puts the last target replica into the ISR, the move completes: the
 *       leader moves to the first live target replica in the ISR if it is not in TRS, the ISR shrinks to TRS, the
 *       leader epoch is bumped (one fenced partition-state write), the target replicas get LeaderAndIsr, the removed
 *       replicas StopReplica with delete, the topic znode gets RS = TRS with empty AR/RR, and every broker
 *       UpdateMetadata.
 * </ol>
 *
 * Every step is idempotent, so a controller that fails between two of them leaves a state its successor resumes from:
 * the topic znode still names AR/RR until the very last write. A cancellation (null target replicas) is a move back to
 * ORS, which completes at once when the original replicas are in the ISR (the added replicas are deleted).
 *
 * <p>Concurrency: used only by the controller event thread.
 */
final class PartitionReassignments {
    private static final Logger log = LoggerFactory.getLogger(PartitionReassignments.class);

    private final ControllerContext ctx;
    private final ZkStore store;
    private final ControllerZkWriter writer;
    private final ControllerRequestBatch batch;
    private final PartitionLeadershipManager leadership;

    PartitionReassignments(
            ControllerContext ctx,
            ZkStore store,
            ControllerZkWriter writer,
            ControllerRequestBatch batch,
            PartitionLeadershipManager leadership) {
        this.ctx = ctx;
        this.store = store;
        this.writer = writer;
        this.batch = batch;
        this.leadership = leadership;
    }

    // ---- API

    /** AlterPartitionReassignments: validates each partition, starts (or cancels) the valid ones. */
    AlterPartitionReassignmentsResponseData alter(AlterPartitionReassignmentsRequestData request) {
        AlterPartitionReassignmentsResponseData response =
                new AlterPartitionReassignmentsResponseData().setErrorCode(Errors.NONE.code());
        Map<TopicPartition, PartitionAssignment> moves = new LinkedHashMap<>();
        for (AlterPartitionReassignmentsRequestData.ReassignableTopic topic : request.topics()) {
            AlterPartitionReassignmentsResponseData.ReassignableTopicResponse topicAnswer =
                    new AlterPartitionReassignmentsResponseData.ReassignableTopicResponse().setName(topic.name());
            response.responses().add(topicAnswer);
            for (AlterPartitionReassignmentsRequestData.ReassignablePartition p : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.name(), p.partitionIndex());
                Errors error = Errors.NONE;
                String message = null;
                Optional<PartitionAssignment> current = assignment(tp);
                if (current.isEmpty() || ctx.isQueuedForDeletion(tp.topic())) {
                    error = Errors.UNKNOWN_TOPIC_OR_PARTITION;
                    message = "The partition does not exist.";
                } else if (p.replicas() == null) {
                    if (current.get().isReassigning()) {
                        moves.put(tp, ReassignmentRules.reassignTo(current.get(), originOf(current.get())));
                    } else {
                        error = Errors.NO_REASSIGNMENT_IN_PROGRESS;
                        message = "No reassignment in progress for " + tp;
                    }
                } else {
                    List<Integer> target = List.copyOf(p.replicas());
                    Optional<String> invalid =
                            ReassignmentRules.invalidTarget(target, current.get(), ctx.liveBrokerIds());
                    if (invalid.isPresent()) {
                        error = Errors.INVALID_REPLICA_ASSIGNMENT;
                        message = invalid.get();
                    } else {
                        moves.put(tp, ReassignmentRules.reassignTo(current.get(), target));
                    }
                }
                topicAnswer
                        .partitions()
                        .add(new AlterPartitionReassignmentsResponseData.ReassignablePartitionResponse()
                                .setPartitionIndex(p.partitionIndex())
                                .setErrorCode(error.code())
                                .setErrorMessage(message));
            }
        }
        if (!moves.isEmpty()) {
            log.info("[Controller epoch={}] reassigning {} partitions: {}", ctx.epoch(), moves.size(), summary(moves));
            start(moves);
        }
        return response;
    }

    /** ListPartitionReassignments: the partitions being moved, all of them or among those named. */
    ListPartitionReassignmentsResponseData list(ListPartitionReassignmentsRequestData request) {
        List<TopicPartition> candidates = new ArrayList<>();
        if (request.topics() == null) {
            candidates.addAll(ctx.allPartitions());
        } else {
            request.topics()
                    .forEach(t -> t.partitionIndexes().forEach(p -> candidates.add(new TopicPartition(t.name(), p))));
        }
        Map<String, ListPartitionReassignmentsResponseData.OngoingTopicReassignment> topics = new TreeMap<>();
        for (TopicPartition tp : candidates) {
            Optional<PartitionAssignment> a = assignment(tp);
            if (a.isEmpty() || !a.get().isReassigning()) {
                continue;
            }
            topics.computeIfAbsent(
                            tp.topic(),
                            name -> new ListPartitionReassignmentsResponseData.OngoingTopicReassignment().setName(name))
                    .partitions()
                    .add(new ListPartitionReassignmentsResponseData.OngoingPartitionReassignment()
                            .setPartitionIndex(tp.partition())
                            .setReplicas(new ArrayList<>(a.get().replicas()))
                            .setAddingReplicas(new ArrayList<>(a.get().addingReplicas()))
                            .setRemovingReplicas(new ArrayList<>(a.get().removingReplicas())));
        }
        return new ListPartitionReassignmentsResponseData()
                .setErrorCode(Errors.NONE.code())
                .setTopics(new ArrayList<>(topics.values()));
    }

    // ---- triggers

    /** After ISR changes: completes the moves whose target replicas are all in the ISR now. */
    void onIsrChanged(Collection<TopicPartition> partitions) {
        List<TopicPartition> done = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            Optional<PartitionAssignment> a = assignment(tp);
            Optional<LeaderAndIsr> state = ctx.leaderAndIsr(tp);
            if (a.isPresent()
                    && a.get().isReassigning()
                    && state.isPresent()
                    && ReassignmentRules.isComplete(a.get(), state.get().isr())) {
                done.add(tp);
            }
        }
        if (!done.isEmpty()) {
            complete(done);
        }
    }

    /**
     * On becoming controller: resumes every move recorded in the topic znodes, then starts those of a legacy
     * {@code /admin/reassign_partitions} request and deletes it.
     */
    void resume() {
        Map<TopicPartition, PartitionAssignment> inFlight = new LinkedHashMap<>();
        ctx.topics()
                .forEach((name, t) -> t.partitions().forEach((p, a) -> {
                    if (a.isReassigning() && !ctx.isQueuedForDeletion(name)) {
                        inFlight.put(new TopicPartition(name, p), a);
                    }
                }));
        if (!inFlight.isEmpty()) {
            log.info(
                    "[Controller epoch={}] resuming {} partition reassignments: {}",
                    ctx.epoch(),
                    inFlight.size(),
                    summary(inFlight));
            start(inFlight);
        }
        startLegacyRequest();
    }

    /** Reads {@code /admin/reassign_partitions}; starts the valid moves it names and deletes it. */
    void startLegacyRequest() {
        Optional<ZkNode> node = store.get(ReassignPartitionsZNode.PATH);
        if (node.isEmpty()) {
            return;
        }
        Map<TopicPartition, List<Integer>> targets;
        try {
            targets = ReassignPartitionsZNode.decode(node.get().data());
        } catch (ZkDataException e) {
            log.warn("[Controller epoch={}] ignoring an undecodable {}: {}", ctx.epoch(), e.path(), e.getMessage());
            writer.removeLegacyReassignment();
            return;
        }
        Map<TopicPartition, PartitionAssignment> moves = new LinkedHashMap<>();
        targets.forEach((tp, target) -> {
            Optional<PartitionAssignment> current = assignment(tp);
            Optional<String> invalid = current.isEmpty()
                    ? Optional.of("unknown partition")
                    : ReassignmentRules.invalidTarget(target, current.get(), ctx.liveBrokerIds());
            if (invalid.isPresent()) {
                log.warn(
                        "[Controller epoch={}] {} asks to move {} to {}: refused ({})",
                        ctx.epoch(),
                        ReassignPartitionsZNode.PATH,
                        tp,
                        target,
                        invalid.get());
            } else {
                moves.put(tp, ReassignmentRules.reassignTo(current.get(), target));
            }
        });
        if (!moves.isEmpty()) {
            log.info(
                    "[Controller epoch={}] {} reassigns {} partitions: {}",
                    ctx.epoch(),
                    ReassignPartitionsZNode.PATH,
                    moves.size(),
                    summary(moves));
            start(moves);
        }
        writer.removeLegacyReassignment();
    }

    // ---- steps

    private void start(Map<TopicPartition, PartitionAssignment> moves) {
        // replicas of a move in progress that the new one does not keep (a cancellation's added replicas)
        Map<TopicPartition, List<Integer>> unneeded = new LinkedHashMap<>();
        moves.forEach((tp, a) -> {
            List<Integer> dropped = assignment(tp).map(PartitionAssignment::replicas).orElse(List.of()).stream()
                    .filter(b -> !a.replicas().contains(b))
                    .toList();
            if (!dropped.isEmpty()) {
                unneeded.put(tp, dropped);
            }
        });
        writeAssignments(moves);
        List<TopicPartition> ready = new ArrayList<>();
        Map<TopicPartition, LeaderAndIsr> bump = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, PartitionAssignment> e : moves.entrySet()) {
            TopicPartition tp = e.getKey();
            PartitionAssignment a = e.getValue();
            for (int b : a.addingReplicas()) {
                ReplicaKey key = new ReplicaKey(tp, b);
                if (ctx.replicaState(key) == ReplicaState.NonExistentReplica) {
                    ctx.transition(key, ReplicaState.New);
                }
            }
            Optional<LeaderAndIsr> state = ctx.leaderAndIsr(tp);
            if (state.isEmpty()) {
                continue; // not initialized yet (no live replica): its initialization sends the new assignment
            }
            if (ReassignmentRules.isComplete(a, state.get().isr())) {
                ready.add(tp);
            } else {
                LeaderAndIsr s = state.get();
                List<Integer> dropped = unneeded.getOrDefault(tp, List.of());
                List<Integer> isr =
                        s.isr().stream().filter(b -> !dropped.contains(b)).toList();
                if (isr.isEmpty() || (s.hasLeader() && !isr.contains(s.leader()))) {
                    isr = s.isr();
                }
                bump.put(tp, new LeaderAndIsr(s.leader(), s.leaderEpoch() + 1, isr, ctx.epoch(), s.partitionEpoch()));
            }
        }
        if (!bump.isEmpty()) {
            Map<TopicPartition, LeaderAndIsr> written = writeStates(bump);
            written.forEach((tp, state) -> {
                ctx.putLeaderAndIsr(tp, state);
                List<Integer> replicas = ctx.replicas(tp);
                batch.addLeaderAndIsr(leadership.liveReplicas(replicas), tp, state, replicas, false);
                for (int b : ctx.topic(tp.topic())
                        .map(t -> t.partitions().get(tp.partition()).addingReplicas())
                        .orElse(List.of())) {
                    ReplicaKey key = new ReplicaKey(tp, b);
                    if (ctx.isLive(b) && ctx.replicaState(key) == ReplicaState.New) {
                        ctx.transition(key, ReplicaState.Online);
                    }
                }
            });
            batch.addUpdateMetadata(ctx.liveBrokerIds(), written.keySet());
        }
        if (!ready.isEmpty()) {
            complete(ready);
        }
        unneeded.forEach((tp, dropped) -> {
            int leaderEpoch =
                    ctx.leaderAndIsr(tp).map(LeaderAndIsr::leaderEpoch).orElse(0);
            for (int b : dropped) {
                if (ctx.isLive(b)) {
                    batch.addStopReplica(b, tp, true, leaderEpoch);
                }
                forgetReplica(new ReplicaKey(tp, b));
            }
        });
    }

    private void complete(List<TopicPartition> partitions) {
        Map<TopicPartition, LeaderAndIsr> toWrite = new LinkedHashMap<>();
        Set<Integer> live = ctx.liveNotShuttingDown();
        for (TopicPartition tp : partitions) {
            PartitionAssignment a = assignment(tp).orElseThrow();
            LeaderAndIsr s = ctx.leaderAndIsr(tp).orElseThrow();
            List<Integer> target = ReassignmentRules.targetReplicas(a);
            Optional<io.sluice.controller.leader.LeaderAndIsr> next =
                    ReassignmentRules.completion(PartitionLeadershipManager.toDecision(s), target, live);
            if (next.isEmpty()) {
                log.warn(
                        "[Controller epoch={}] reassignment of {} to {} waits: no target replica is live and in the"
                                + " ISR {}",
                        ctx.epoch(),
                        tp,
                        target,
                        s.isr());
                continue;
            }
            io.sluice.controller.leader.LeaderAndIsr n = next.get();
            toWrite.put(tp, new LeaderAndIsr(n.leader(), n.leaderEpoch(), n.isr(), ctx.epoch(), s.partitionEpoch()));
        }
        if (toWrite.isEmpty()) {
            return;
        }
        Map<TopicPartition, LeaderAndIsr> written = writeStates(toWrite);
        Map<TopicPartition, PartitionAssignment> finished = new LinkedHashMap<>();
        written.forEach((tp, state) -> {
            PartitionAssignment a = assignment(tp).orElseThrow();
            List<Integer> target = ReassignmentRules.targetReplicas(a);
            ctx.putLeaderAndIsr(tp, state);
            ctx.transition(tp, ctx.isLive(state.leader()) ? PartitionState.Online : PartitionState.Offline);
            batch.addLeaderAndIsr(leadership.liveReplicas(target), tp, state, target, false);
            for (int b : a.addingReplicas()) {
                ReplicaKey key = new ReplicaKey(tp, b);
                if (ctx.isLive(b) && ctx.replicaState(key) != ReplicaState.Online) {
                    ctx.transition(key, ReplicaState.Online);
                }
            }
            for (int b : a.removingReplicas()) {
                if (ctx.isLive(b)) {
                    batch.addStopReplica(b, tp, true, state.leaderEpoch());
                }
                forgetReplica(new ReplicaKey(tp, b));
            }
            finished.put(tp, PartitionAssignment.of(target));
            log.info(
                    "[Controller epoch={}] reassignment of {} done: replicas {} (removed {}), leader {}, ISR {}, leader"
                            + " epoch {}",
                    ctx.epoch(),
                    tp,
                    target,
                    a.removingReplicas(),
                    state.leader(),
                    state.isr(),
                    state.leaderEpoch());
        });
        writeAssignments(finished);
        batch.addUpdateMetadata(ctx.liveBrokerIds(), written.keySet());
    }

    /** A removed replica leaves the replica state machine (its broker was told to delete it, or is down). */
    private void forgetReplica(ReplicaKey key) {
        ReplicaState s = ctx.replicaState(key);
        if (s == ReplicaState.NonExistentReplica) {
            return;
        }
        if (s != ReplicaState.Offline) {
            ctx.transition(key, ReplicaState.Offline);
        }
        ctx.transition(key, ReplicaState.ReplicaDeletionStarted);
        ctx.transition(key, ReplicaState.ReplicaDeletionSuccessful);
        ctx.transition(key, ReplicaState.NonExistentReplica);
    }

    /** Writes partition states; a partition whose znode moved is re-read and left for the next trigger. */
    private Map<TopicPartition, LeaderAndIsr> writeStates(Map<TopicPartition, LeaderAndIsr> states) {
        ControllerZkWriter.UpdateResult result;
        try {
            result = writer.updatePartitionStates(states);
        } catch (PartialUpdateException e) {
            e.committed().forEach(ctx::putLeaderAndIsr);
            batch.addUpdateMetadata(ctx.liveBrokerIds(), e.committed().keySet());
            throw e;
        }
        for (TopicPartition tp : result.conflicts()) {
            log.info(
                    "[Controller epoch={}] state of {} moved under the controller; the reassignment step waits for the"
                            + " next trigger",
                    ctx.epoch(),
                    tp);
            store.partitionState(tp).ifPresent(s -> ctx.putLeaderAndIsr(tp, s));
        }
        return result.written();
    }

    /** Writes the new assignments, one fenced write per topic, and puts them in the context. */
    private void writeAssignments(Map<TopicPartition, PartitionAssignment> assignments) {
        Map<String, Map<Integer, PartitionAssignment>> byTopic = new TreeMap<>();
        assignments.forEach((tp, a) ->
                byTopic.computeIfAbsent(tp.topic(), t -> new TreeMap<>()).put(tp.partition(), a));
        byTopic.forEach((name, changed) -> {
            TopicMetadata known = ctx.topic(name).orElseThrow();
            Map<Integer, PartitionAssignment> partitions = new TreeMap<>(known.partitions());
            if (partitions.equals(merged(partitions, changed))) {
                return; // already written (a resumed move)
            }
            TopicMetadata updated = new TopicMetadata(name, known.topicId(), merged(partitions, changed));
            writer.updateTopic(updated, -1);
            ctx.putTopic(updated);
        });
    }

    private static Map<Integer, PartitionAssignment> merged(
            Map<Integer, PartitionAssignment> partitions, Map<Integer, PartitionAssignment> changed) {
        Map<Integer, PartitionAssignment> out = new TreeMap<>(partitions);
        out.putAll(changed);
        return out;
    }

    private Optional<PartitionAssignment> assignment(TopicPartition tp) {
        return ctx.topic(tp.topic()).map(t -> t.partitions().get(tp.partition()));
    }

    private static List<Integer> originOf(PartitionAssignment a) {
        return ReassignmentRules.originReplicas(a);
    }

    private static String summary(Map<TopicPartition, PartitionAssignment> moves) {
        StringBuilder out = new StringBuilder();
        int shown = 0;
        for (Map.Entry<TopicPartition, PartitionAssignment> e : moves.entrySet()) {
            if (shown++ == 10) {
                out.append(", and ").append(moves.size() - 10).append(" more");
                break;
            }
            PartitionAssignment a = e.getValue();
            out.append(out.length() == 0 ? "" : ", ")
                    .append(e.getKey())
                    .append(" replicas=")
                    .append(a.replicas())
                    .append(" adding=")
                    .append(a.addingReplicas())
                    .append(" removing=")
                    .append(a.removingReplicas());
        }
        return out.toString();
    }
}
