package io.sluice.controller;

import io.sluice.controller.channel.ControllerRequestBatch;
import io.sluice.controller.context.ControllerContext;
import io.sluice.controller.context.ReplicaKey;
import io.sluice.controller.statemachine.PartitionState;
import io.sluice.controller.statemachine.ReplicaState;
import io.sluice.controller.zk.ControllerZkWriter;
import io.sluice.metadata.model.TopicMetadata;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.StopReplicaResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Topic deletion, as Kafka's ZooKeeper-mode TopicDeletionManager: a topic queued under {@code /admin/delete_topics}
 * is announced to all brokers with leader {@code -2}; each replica on a live broker goes
 * {@code Offline → ReplicaDeletionStarted} with a StopReplica(delete) and to {@code ReplicaDeletionSuccessful} when the
 * broker confirms; a replica on a dead broker waits as {@code ReplicaDeletionIneligible} and is retried when its broker
 * returns. When every replica is deleted the topic's znodes go (fenced) and the topic leaves the context.
 *
 * <p>Concurrency: used only by the controller event thread.
 */
final class TopicDeletionManager {
    private static final Logger log = LoggerFactory.getLogger(TopicDeletionManager.class);

    private record Waiter(List<String> topics, long deadlineMs, CompletableFuture<Map<String, Errors>> future) {}

    private final ControllerContext ctx;
    private final ControllerZkWriter writer;
    private final ControllerRequestBatch batch;
    private final List<Waiter> waiters = new ArrayList<>();

    TopicDeletionManager(ControllerContext ctx, ControllerZkWriter writer, ControllerRequestBatch batch) {
        this.ctx = ctx;
        this.writer = writer;
        this.batch = batch;
    }

    /** Queues {@code topics} (known ones) and starts deleting their replicas. */
    void enqueue(Collection<String> topics) {
        List<String> fresh = topics.stream()
                .filter(t -> ctx.topic(t).isPresent() && !ctx.isQueuedForDeletion(t))
                .toList();
        if (fresh.isEmpty()) {
            return;
        }
        log.info("[Controller epoch={}] deleting topics {}", ctx.epoch(), fresh);
        ctx.queueTopicDeletion(fresh);
        List<TopicPartition> partitions = new ArrayList<>();
        fresh.forEach(t -> partitions.addAll(ctx.partitionsOf(t)));
        // brokers learn the topic is going away (leader -2) before replicas are stopped
        batch.addUpdateMetadata(ctx.liveBrokerIds(), partitions);
        for (TopicPartition tp : partitions) {
            ctx.transition(tp, PartitionState.Offline);
        }
        resume();
    }

    /** Starts deletion of every replica of queued topics that can be deleted now (its broker is live). */
    void resume() {
        for (String topic : List.copyOf(ctx.topicsToBeDeleted())) {
            for (TopicPartition tp : ctx.partitionsOf(topic)) {
                for (int b : ctx.replicas(tp)) {
                    ReplicaKey key = new ReplicaKey(tp, b);
                    ReplicaState state = ctx.replicaState(key);
                    if (state == ReplicaState.ReplicaDeletionSuccessful
                            || state == ReplicaState.ReplicaDeletionStarted) {
                        continue;
                    }
                    if (state != ReplicaState.Offline) {
                        ctx.transition(key, ReplicaState.Offline);
                    }
                    if (ctx.isLive(b)) {
                        ctx.transition(key, ReplicaState.ReplicaDeletionStarted);
                        batch.addStopReplica(b, tp, true, ControllerRequestBatch.EPOCH_DURING_DELETE);
                    } else if (ctx.replicaState(key) != ReplicaState.ReplicaDeletionIneligible) {
                        ctx.transition(key, ReplicaState.ReplicaDeletionIneligible);
                    }
                }
            }
            completeIfDone(topic);
        }
    }

    /** A broker died: its replicas whose deletion was started can no longer confirm. */
    void onBrokerFailure(int brokerId) {
        for (String topic : ctx.topicsToBeDeleted()) {
            for (TopicPartition tp : ctx.partitionsOf(topic)) {
                ReplicaKey key = new ReplicaKey(tp, brokerId);
                if (ctx.replicaState(key) == ReplicaState.ReplicaDeletionStarted) {
                    ctx.transition(key, ReplicaState.ReplicaDeletionIneligible);
                }
            }
        }
    }

    /** A broker answered a StopReplica(delete) (or it failed: {@code response} null). */
    void onStopReplicaResponse(int brokerId, List<String> topics, StopReplicaResponseData response) {
        for (String topic : topics) {
            if (!ctx.isQueuedForDeletion(topic)) {
                continue;
            }
            for (TopicPartition tp : ctx.partitionsOf(topic)) {
                ReplicaKey key = new ReplicaKey(tp, brokerId);
                if (ctx.replicaState(key) != ReplicaState.ReplicaDeletionStarted) {
                    continue;
                }
                Errors error = errorFor(response, tp);
                if (error == Errors.NONE) {
                    ctx.transition(key, ReplicaState.ReplicaDeletionSuccessful);
                } else {
                    log.warn(
                            "[Controller epoch={}] broker {} failed to delete {}: {}",
                            ctx.epoch(),
                            brokerId,
                            tp,
                            error);
                    ctx.transition(key, ReplicaState.ReplicaDeletionIneligible);
                }
            }
            completeIfDone(topic);
        }
    }

    private static Errors errorFor(StopReplicaResponseData response, TopicPartition tp) {
        if (response == null) {
            return Errors.NETWORK_EXCEPTION;
        }
        if (response.errorCode() != Errors.NONE.code()) {
            return Errors.forCode(response.errorCode());
        }
        for (StopReplicaResponseData.StopReplicaPartitionError e : response.partitionErrors()) {
            if (e.topicName().equals(tp.topic()) && e.partitionIndex() == tp.partition()) {
                return Errors.forCode(e.errorCode());
            }
        }
        return Errors.NONE;
    }

    private void completeIfDone(String topic) {
        TopicMetadata t = ctx.topic(topic).orElse(null);
        if (t == null) {
            return;
        }
        for (TopicPartition tp : ctx.partitionsOf(topic)) {
            for (int b : ctx.replicas(tp)) {
                if (ctx.replicaState(new ReplicaKey(tp, b)) != ReplicaState.ReplicaDeletionSuccessful) {
                    return;
                }
            }
        }
        writer.deleteTopic(topic, t.partitions().keySet());
        for (TopicPartition tp : ctx.partitionsOf(topic)) {
            for (int b : ctx.replicas(tp)) {
                ctx.transition(new ReplicaKey(tp, b), ReplicaState.NonExistentReplica);
            }
            ctx.transition(tp, PartitionState.NonExistent);
        }
        ctx.removeTopic(topic);
        log.info("[Controller epoch={}] deletion of topic {} completed", ctx.epoch(), topic);
        completeWaiters(0L);
    }

    /** Registers a DeleteTopics caller; answered when all its topics are gone or at the deadline. */
    void await(List<String> topics, long deadlineMs, CompletableFuture<Map<String, Errors>> future) {
        waiters.add(new Waiter(topics, deadlineMs, future));
        completeWaiters(0L);
    }

    /** Completes waiters whose topics are all deleted, and (with {@code nowMs > 0}) times out the expired ones. */
    void completeWaiters(long nowMs) {
        waiters.removeIf(w -> {
            boolean done = w.topics().stream().allMatch(t -> ctx.topic(t).isEmpty());
            boolean expired = nowMs > 0 && nowMs >= w.deadlineMs();
            if (!done && !expired) {
                return false;
            }
            Map<String, Errors> out = new java.util.TreeMap<>();
            w.topics().forEach(t -> out.put(t, ctx.topic(t).isEmpty() ? Errors.NONE : Errors.REQUEST_TIMED_OUT));
            w.future().complete(out);
            return true;
        });
    }

    /** Fails every waiter (the controller resigned). */
    void failWaiters(Errors error) {
        waiters.forEach(w -> {
            Map<String, Errors> out = new java.util.TreeMap<>();
            w.topics().forEach(t -> out.put(t, error));
            w.future().complete(out);
        });
        waiters.clear();
    }
}
