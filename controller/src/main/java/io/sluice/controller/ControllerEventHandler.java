package io.sluice.controller;

import io.sluice.controller.channel.BrokerChannel;
import io.sluice.controller.channel.ControllerRequestBatch;
import io.sluice.controller.context.ControllerContext;
import io.sluice.controller.context.ReplicaKey;
import io.sluice.controller.event.ControllerEvent;
import io.sluice.controller.event.ControllerEventManager;
import io.sluice.controller.leader.LeaderElection;
import io.sluice.controller.statemachine.PartitionState;
import io.sluice.controller.statemachine.ReplicaState;
import io.sluice.controller.zk.ControllerMovedException;
import io.sluice.controller.zk.ControllerZkWriter;
import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.TopicMetadata;
import io.sluice.metadata.model.TopicNames;
import io.sluice.metadata.zk.ZkPaths;
import io.sluice.metadata.zk.ZkStore;
import io.sluice.metadata.zk.ZkStoreException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.LeaderAndIsrResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles one {@link ControllerEvent} at a time on the event thread: dispatches it, sends the broker requests it
 * produced at its end, and resigns at once when a fenced write finds another controller (nothing of the failed event
 * is sent) or when ZooKeeper's connection failed (the fence may be lost). A write refused before it was sent for its
 * own content ({@link ZkStoreException#isRejectedLocally()}) or any other failure of one event fails only that event:
 * its caller is answered and the controller stays. Broker membership, topic changes, controlled shutdown, leader elections and the timers are handled here;
 * topic commands, AlterPartition and deletion are delegated.
 *
 * <p>Concurrency: {@link #process} runs only on the event thread; it owns the context and everything else here.
 */
final class ControllerEventHandler {
    private static final Logger log = LoggerFactory.getLogger(ControllerEventHandler.class);

    private final ControllerConfig config;
    private final ZkStore store;
    private final ControllerContext ctx;
    private final ControllerZkWriter writer;
    private final ControllerRequestBatch batch;
    private final BrokerChannel channel;
    private final ControllerLifecycle lifecycle;
    private final PartitionLeadershipManager leadership;
    private final TopicCommands topicCommands;
    private final LeaderRequests leaderRequests;
    private final AlterPartitionHandler alterPartition;
    private final TopicDeletionManager deletion;
    private final PartitionReassignments reassignments;
    private final ControllerMetrics metrics;
    private final ControllerEventManager events;
    private final Clock clock;
    private final List<Runnable> completions = new ArrayList<>();

    ControllerEventHandler(
            ControllerConfig config,
            ZkStore store,
            ControllerContext ctx,
            ControllerZkWriter writer,
            ControllerRequestBatch batch,
            BrokerChannel channel,
            ControllerLifecycle lifecycle,
            PartitionLeadershipManager leadership,
            TopicCommands topicCommands,
            AlterPartitionHandler alterPartition,
            TopicDeletionManager deletion,
            PartitionReassignments reassignments,
            ControllerMetrics metrics,
            ControllerEventManager events,
            Clock clock) {
        this.config = config;
        this.store = store;
        this.ctx = ctx;
        this.writer = writer;
        this.batch = batch;
        this.channel = channel;
        this.lifecycle = lifecycle;
        this.leadership = leadership;
        this.topicCommands = topicCommands;
        this.leaderRequests = new LeaderRequests(config, ctx, leadership, batch);
        this.alterPartition = alterPartition;
        this.deletion = deletion;
        this.reassignments = reassignments;
        this.metrics = metrics;
        this.events = events;
        this.clock = clock;
    }

    void process(ControllerEvent event) {
        try {
            dispatch(event);
            if (lifecycle.isActive()) {
                batch.sendRequestsToBrokers(ctx);
                metrics.setOfflinePartitions(ctx.offlinePartitionCount());
            } else {
                batch.clear();
            }
            completions.forEach(Runnable::run);
        } catch (ControllerMovedException e) {
            log.warn(
                    "[Controller {} epoch={}] {} while handling {}; resigning",
                    config.brokerId(),
                    ctx.epoch(),
                    e.getMessage(),
                    event.name());
            batch.clear();
            lifecycle.resign();
            event.fail(Errors.NOT_CONTROLLER, "This broker is no longer the controller");
            lifecycle.elect();
        } catch (ZkStoreException e) {
            if (e.isRejectedLocally()) {
                // refused before it was sent, for its own content (an invalid path, a packet above jute.maxbuffer):
                // the connection and the fence are intact, so this fails the event, not the controller
                log.warn(
                        "[Controller {} epoch={}] refused a ZooKeeper write of {} for its content: {}",
                        config.brokerId(),
                        ctx.epoch(),
                        event.name(),
                        e.getMessage());
                if (lifecycle.isActive()) {
                    batch.sendRequestsToBrokers(ctx);
                }
                event.fail(Errors.INVALID_REQUEST, e.getMessage());
            } else if (e.isConnectionProblem() || e.code().isEmpty()) {
                onConnectionProblem(event, e);
            } else {
                // a ZooKeeper state this controller did not expect (not a lost fence): what was written stays
                // written and is propagated; the event's caller gets an error and the controller carries on
                log.error(
                        "[Controller {} epoch={}] unexpected ZooKeeper state while handling {}",
                        config.brokerId(),
                        ctx.epoch(),
                        event.name(),
                        e);
                if (lifecycle.isActive()) {
                    batch.sendRequestsToBrokers(ctx);
                }
                event.fail(Errors.UNKNOWN_SERVER_ERROR, e.getMessage());
            }
        } catch (RuntimeException e) {
            // a bug, not a ZooKeeper problem: answer the caller instead of leaving it to time out, keep the seat
            log.error(
                    "[Controller {} epoch={}] unexpected failure while handling {}",
                    config.brokerId(),
                    ctx.epoch(),
                    event.name(),
                    e);
            if (lifecycle.isActive()) {
                batch.sendRequestsToBrokers(ctx);
            }
            event.fail(Errors.UNKNOWN_SERVER_ERROR, "Unexpected controller failure: " + e);
        } finally {
            completions.clear();
        }
    }

    private void onConnectionProblem(ControllerEvent event, ZkStoreException e) {
        boolean wasActive = lifecycle.isActive();
        log.error(
                "[Controller {} epoch={}] ZooKeeper connection problem while handling {}; resigning to re-check the"
                        + " election",
                config.brokerId(),
                ctx.epoch(),
                event.name(),
                e);
        batch.clear();
        lifecycle.resign();
        event.fail(Errors.NOT_CONTROLLER, "The controller lost its ZooKeeper connection");
        if (wasActive) {
            // a candidate retries when the session reconnects (a Reelect from the connection listener)
            events.put(new ControllerEvent.Reelect());
        }
    }

    private void dispatch(ControllerEvent event) {
        if (event instanceof ControllerEvent.Startup || event instanceof ControllerEvent.Reelect) {
            lifecycle.reelect();
            return;
        }
        if (event instanceof ControllerEvent.Expire) {
            lifecycle.resign();
            lifecycle.elect();
            return;
        }
        if (event instanceof ControllerEvent.Callback callback) {
            callback.action().run();
            return;
        }
        if (!lifecycle.isActive()) {
            event.fail(Errors.NOT_CONTROLLER, "This broker is not the active controller");
            return;
        }
        if (event instanceof ControllerEvent.BrokerChange) {
            onBrokerChange();
        } else if (event instanceof ControllerEvent.TopicChange) {
            onTopicChange();
        } else if (event instanceof ControllerEvent.PartitionModifications pm) {
            onPartitionModifications(pm.topic());
        } else if (event instanceof ControllerEvent.TopicDeletion) {
            onTopicDeletion();
        } else if (event instanceof ControllerEvent.AutoPreferredReplicaLeaderElection) {
            leaderRequests.autoRebalance();
        } else if (event instanceof ControllerEvent.LeaderAndIsrResponseReceived r) {
            onLeaderAndIsrResponse(r.brokerId(), r.response());
        } else if (event instanceof ControllerEvent.StopReplicaResponseReceived r) {
            if (r.delete()) {
                deletion.onStopReplicaResponse(r.brokerId(), r.topics(), r.response());
            }
        } else if (event instanceof ControllerEvent.AlterPartitionReceived ap) {
            var response = alterPartition.handle(ap.request());
            reassignments.onIsrChanged(changedPartitions(ap.request()));
            completions.add(() -> ap.future().complete(response));
        } else if (event instanceof ControllerEvent.ControlledShutdown cs) {
            var response = leaderRequests.controlledShutdown(cs.brokerId(), cs.brokerEpoch());
            completions.add(() -> cs.future().complete(response));
        } else if (event instanceof ControllerEvent.ElectLeaders el) {
            var response = leaderRequests.electLeaders(el.request());
            completions.add(() -> el.future().complete(response));
        } else if (event instanceof ControllerEvent.CreateTopics ct) {
            var response = topicCommands.createTopics(ct.request(), ct.validateOnly());
            completions.add(() -> ct.future().complete(response));
        } else if (event instanceof ControllerEvent.CreatePartitions cp) {
            var response = topicCommands.createPartitions(cp.request(), cp.validateOnly());
            completions.add(() -> cp.future().complete(response));
        } else if (event instanceof ControllerEvent.DeleteTopics dt) {
            deleteTopics(dt);
        } else if (event instanceof ControllerEvent.AlterPartitionReassignments ar) {
            var response = reassignments.alter(ar.request());
            completions.add(() -> ar.future().complete(response));
        } else if (event instanceof ControllerEvent.ListPartitionReassignments lr) {
            var response = reassignments.list(lr.request());
            completions.add(() -> lr.future().complete(response));
        } else if (event instanceof ControllerEvent.LegacyReassignment) {
            lifecycle.watchLegacyReassignment();
            reassignments.startLegacyRequest();
        } else if (event instanceof ControllerEvent.DeleteTopicsTimeout) {
            deletion.completeWaiters(clock.millis());
        }
    }

    /** The partitions an AlterPartition request names (by name or id; unknown ids are skipped). */
    private List<TopicPartition> changedPartitions(org.apache.kafka.common.message.AlterPartitionRequestData request) {
        List<TopicPartition> out = new ArrayList<>();
        for (var topic : request.topics()) {
            Optional<String> name = org.apache.kafka.common.Uuid.ZERO_UUID.equals(topic.topicId())
                    ? Optional.of(topic.topicName())
                    : ctx.topicName(topic.topicId());
            name.ifPresent(n -> topic.partitions().forEach(p -> out.add(new TopicPartition(n, p.partitionIndex()))));
        }
        return out;
    }

    // ---- brokers

    private void onBrokerChange() {
        List<String> children =
                store.watchChildren(ZkPaths.BROKER_IDS, () -> events.put(new ControllerEvent.BrokerChange()));
        Map<Integer, BrokerInfo> current = new TreeMap<>();
        for (String child : children) {
            try {
                store.broker(Integer.parseInt(child)).ifPresent(b -> current.put(b.id(), b));
            } catch (NumberFormatException e) {
                log.warn(
                        "[Controller epoch={}] ignoring unexpected znode {}/{}",
                        ctx.epoch(),
                        ZkPaths.BROKER_IDS,
                        child);
            }
        }
        Set<Integer> dead = new TreeSet<>();
        Set<Integer> joined = new TreeSet<>();
        for (int id : ctx.liveBrokerIds()) {
            BrokerInfo now = current.get(id);
            if (now == null) {
                dead.add(id);
            } else if (now.brokerEpoch() != ctx.liveBrokers().get(id).brokerEpoch()) {
                dead.add(id); // bounced: failed and started again with a new epoch
                joined.add(id);
            }
        }
        current.keySet().stream().filter(id -> !ctx.isLive(id)).forEach(joined::add);
        if (dead.isEmpty() && joined.isEmpty()) {
            return;
        }
        log.info(
                "[Controller {} epoch={}] broker change: joined {}, failed {}",
                config.brokerId(),
                ctx.epoch(),
                joined,
                dead);
        dead.forEach(ctx::removeLiveBroker);
        if (!dead.isEmpty()) {
            onBrokerFailure(dead);
        }
        joined.forEach(id -> ctx.putLiveBroker(current.get(id)));
        channel.brokersChanged(ctx.liveBrokers().values());
        if (!joined.isEmpty()) {
            onBrokerStartup(joined);
        }
    }

    private void onBrokerFailure(Set<Integer> dead) {
        Set<TopicPartition> affected = new HashSet<>();
        for (int b : dead) {
            for (TopicPartition tp : ctx.partitionsOnBroker(b)) {
                ReplicaKey key = new ReplicaKey(tp, b);
                if (!ctx.isQueuedForDeletion(tp.topic())) {
                    affected.add(tp);
                    ctx.transition(key, ReplicaState.Offline);
                }
            }
            deletion.onBrokerFailure(b);
        }
        for (TopicPartition tp : affected) {
            boolean leaderDead =
                    ctx.leaderAndIsr(tp).map(s -> dead.contains(s.leader())).orElse(false);
            if (leaderDead) {
                ctx.transition(tp, PartitionState.Offline);
            }
        }
        leadership.electOffline(affected);
        batch.addUpdateMetadata(ctx.liveBrokerIds(), List.of());
    }

    private void onBrokerStartup(Set<Integer> joined) {
        // new brokers get the full metadata, the others the new broker list
        batch.addUpdateMetadata(ctx.liveBrokerIds(), ctx.allPartitions());
        List<TopicPartition> newPartitions = new ArrayList<>();
        Set<TopicPartition> offline = new HashSet<>();
        for (int b : joined) {
            for (TopicPartition tp : ctx.partitionsOnBroker(b)) {
                if (ctx.isQueuedForDeletion(tp.topic())) {
                    continue;
                }
                ReplicaKey key = new ReplicaKey(tp, b);
                if (ctx.replicaState(key) != ReplicaState.NonExistentReplica) {
                    ctx.transition(key, ReplicaState.Online);
                }
                Optional<io.sluice.metadata.model.LeaderAndIsr> state = ctx.leaderAndIsr(tp);
                if (state.isEmpty()) {
                    if (ctx.partitionState(tp) == PartitionState.New) {
                        newPartitions.add(tp);
                    }
                    continue;
                }
                List<Integer> replicas = ctx.replicas(tp);
                batch.addLeaderAndIsr(List.of(b), tp, state.get(), replicas, false);
                if (ctx.partitionState(tp) == PartitionState.Offline
                        || !state.get().hasLeader()) {
                    offline.add(tp);
                }
            }
        }
        if (!offline.isEmpty()) {
            leadership.electOffline(offline);
        }
        if (!newPartitions.isEmpty()) {
            // created while none of their replicas was live: initialize them now
            leadership.initializeNewPartitions(newPartitions);
        }
        deletion.resume();
    }

    private void onLeaderAndIsrResponse(int brokerId, LeaderAndIsrResponseData response) {
        if (response.errorCode() != Errors.NONE.code()) {
            log.warn(
                    "[Controller epoch={}] LeaderAndIsr to broker {} failed: {}",
                    ctx.epoch(),
                    brokerId,
                    Errors.forCode(response.errorCode()));
            return;
        }
        Set<TopicPartition> offlineReplicas = new HashSet<>();
        Map<Errors, List<TopicPartition>> refused = new TreeMap<>();
        for (LeaderAndIsrResponseData.LeaderAndIsrTopicError topic : response.topics()) {
            Optional<String> name = ctx.topicName(topic.topicId());
            for (LeaderAndIsrResponseData.LeaderAndIsrPartitionError p : topic.partitionErrors()) {
                if (p.errorCode() == Errors.NONE.code() || name.isEmpty()) {
                    continue;
                }
                TopicPartition tp = new TopicPartition(name.get(), p.partitionIndex());
                Errors error = Errors.forCode(p.errorCode());
                refused.computeIfAbsent(error, e -> new ArrayList<>()).add(tp);
                if (error == Errors.KAFKA_STORAGE_ERROR) {
                    offlineReplicas.add(tp);
                }
            }
        }
        refused.forEach((error, partitions) -> logRefused(brokerId, error, partitions));
        if (offlineReplicas.isEmpty()) {
            return;
        }
        offlineReplicas.forEach(tp -> ctx.transition(new ReplicaKey(tp, brokerId), ReplicaState.Offline));
        Map<String, Boolean> unclean = new HashMap<>();
        Set<Integer> usable = new TreeSet<>(ctx.liveBrokerIds());
        usable.remove(brokerId);
        leadership.elect(
                offlineReplicas,
                (tp, assignment, current) -> LeaderElection.offlinePartitionLeader(
                        assignment, current, usable, unclean.computeIfAbsent(tp.topic(), leadership::uncleanEnabled)));
    }

    /**
     * One line per error of a LeaderAndIsr response. STALE_CONTROLLER_EPOCH per partition is the broker ignoring a
     * state whose leader epoch it already has (a request resent to every replica when one of them restarts), as
     * Kafka's brokers do: logged at DEBUG. Any other error is a WARN naming how many partitions and the first few.
     */
    private void logRefused(int brokerId, Errors error, List<TopicPartition> partitions) {
        String shown = partitions.size() <= 5
                ? partitions.toString()
                : partitions.subList(0, 5) + " and " + (partitions.size() - 5) + " more";
        if (error == Errors.STALE_CONTROLLER_EPOCH) {
            log.debug(
                    "[Controller epoch={}] broker {} already had the leader epochs of {} partitions: {}",
                    ctx.epoch(),
                    brokerId,
                    partitions.size(),
                    shown);
        } else {
            log.warn(
                    "[Controller epoch={}] broker {} could not apply LeaderAndIsr for {} partitions ({}): {}",
                    ctx.epoch(),
                    brokerId,
                    partitions.size(),
                    error,
                    shown);
        }
    }

    // ---- topics

    private void onTopicChange() {
        List<String> names =
                store.watchChildren(ZkPaths.BROKER_TOPICS, () -> events.put(new ControllerEvent.TopicChange()));
        Set<String> current = new HashSet<>(names);
        for (String known : List.copyOf(ctx.topics().keySet())) {
            if (!current.contains(known)) {
                log.info("[Controller epoch={}] topic {} disappeared from ZooKeeper", ctx.epoch(), known);
                ctx.removeTopic(known);
            }
        }
        for (String name : names) {
            if (ctx.topic(name).isPresent()) {
                continue;
            }
            lifecycle.watchTopic(name).ifPresent(t -> {
                ctx.putTopic(t);
                log.info(
                        "[Controller epoch={}] new topic {} with {} partitions", ctx.epoch(), name, t.partitionCount());
                leadership.initializeNewPartitions(ctx.partitionsOf(name));
            });
        }
    }

    private void onPartitionModifications(String topic) {
        Optional<TopicMetadata> read = lifecycle.watchTopic(topic);
        Optional<TopicMetadata> known = ctx.topic(topic);
        if (read.isEmpty() || known.isEmpty() || ctx.isQueuedForDeletion(topic)) {
            return;
        }
        List<TopicPartition> added = new ArrayList<>();
        for (int p : read.get().partitions().keySet()) {
            if (!known.get().partitions().containsKey(p)) {
                added.add(new TopicPartition(topic, p));
            }
        }
        ctx.putTopic(new TopicMetadata(topic, known.get().topicId(), mergePartitions(known.get(), read.get())));
        if (!added.isEmpty()) {
            log.info("[Controller epoch={}] partitions {} added to topic {}", ctx.epoch(), added, topic);
            leadership.initializeNewPartitions(added);
        }
    }

    private static Map<Integer, io.sluice.metadata.model.PartitionAssignment> mergePartitions(
            TopicMetadata known, TopicMetadata read) {
        Map<Integer, io.sluice.metadata.model.PartitionAssignment> merged = new TreeMap<>(known.partitions());
        read.partitions().forEach(merged::putIfAbsent);
        return merged;
    }

    private void onTopicDeletion() {
        List<String> queued =
                store.watchChildren(ZkPaths.DELETE_TOPICS, () -> events.put(new ControllerEvent.TopicDeletion()));
        List<String> known = new ArrayList<>();
        for (String topic : queued) {
            if (!config.deleteTopicEnable() || ctx.topic(topic).isEmpty()) {
                log.info(
                        "[Controller epoch={}] dropping deletion request for {} ({})",
                        ctx.epoch(),
                        topic,
                        config.deleteTopicEnable() ? "unknown topic" : "delete.topic.enable is false");
                writer.removeDeletionRequest(topic);
            } else {
                known.add(topic);
            }
        }
        deletion.enqueue(known);
    }

    private void deleteTopics(ControllerEvent.DeleteTopics dt) {
        Map<String, Errors> immediate = new TreeMap<>();
        List<String> accepted = new ArrayList<>();
        for (String topic : dt.topics()) {
            if (!TopicNames.isValid(topic)) {
                immediate.put(topic, Errors.INVALID_TOPIC_EXCEPTION);
            } else if (!config.deleteTopicEnable()) {
                immediate.put(topic, Errors.TOPIC_DELETION_DISABLED);
            } else if (ctx.topic(topic).isEmpty()) {
                immediate.put(topic, Errors.UNKNOWN_TOPIC_OR_PARTITION);
            } else {
                writer.requestTopicDeletion(topic);
                accepted.add(topic);
            }
        }
        deletion.enqueue(accepted);
        CompletableFuture<Map<String, Errors>> waiting = new CompletableFuture<>();
        // completes the caller's future; the derived stage has no one to report to
        CompletableFuture<Void> unused = waiting.thenAccept(result -> {
            Map<String, Errors> all = new TreeMap<>(immediate);
            all.putAll(result);
            dt.future().complete(all);
        });
        completions.add(() -> deletion.await(accepted, dt.deadlineMs(), waiting));
        // the timeout event fires once and is never cancelled
        ScheduledFuture<?> timeout = events.scheduleOnce(
                new ControllerEvent.DeleteTopicsTimeout(), Math.max(0, dt.deadlineMs() - clock.millis()));
    }
}
