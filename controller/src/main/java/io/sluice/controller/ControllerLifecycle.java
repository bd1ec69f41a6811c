package io.sluice.controller;

import io.sluice.controller.channel.BrokerChannel;
import io.sluice.controller.channel.ControllerRequestBatch;
import io.sluice.controller.context.ControllerContext;
import io.sluice.controller.context.ReplicaKey;
import io.sluice.controller.election.ControllerElector;
import io.sluice.controller.election.ControllerLease;
import io.sluice.controller.event.ControllerEvent;
import io.sluice.controller.event.ControllerEventManager;
import io.sluice.controller.statemachine.PartitionState;
import io.sluice.controller.statemachine.ReplicaState;
import io.sluice.controller.zk.ControllerMovedException;
import io.sluice.controller.zk.ControllerZkWriter;
import io.sluice.metadata.model.LeaderAndIsr;
import io.sluice.metadata.model.TopicMetadata;
import io.sluice.metadata.zk.BrokerIdZNode;
import io.sluice.metadata.zk.ReassignPartitionsZNode;
import io.sluice.metadata.zk.TopicPartitionStateZNode;
import io.sluice.metadata.zk.TopicZNode;
import io.sluice.metadata.zk.ZkPaths;
import io.sluice.metadata.zk.ZkStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.curator.utils.ZKPaths;
import org.apache.kafka.common.TopicPartition;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Winning and losing the controllership: election, failover (load the cluster state, UpdateMetadata to every live
 * broker first, then the state machines) and resignation. Also arms the ZooKeeper watches the active controller
 * needs; each watch only enqueues an event.
 *
 * <p>Concurrency: used only by the controller event thread. {@link #isActive()} and {@link #epoch()} are published
 * through volatile fields for other threads.
 */
final class ControllerLifecycle {
    private static final Logger log = LoggerFactory.getLogger(ControllerLifecycle.class);
    /** Reads per read-only multi: about 200 KB of answer for partition states, far below ZooKeeper's 1 MB limit. */
    static final int READS_PER_MULTI = 1000;
    /** Longest wait for the pipelined reads of the cluster state on election. */
    private static final Duration LOAD_TIMEOUT = Duration.ofSeconds(60);

    private final ControllerConfig config;
    private final ZkStore store;
    private final ControllerElector elector;
    private final ControllerZkWriter writer;
    private final ControllerContext ctx;
    private final ControllerRequestBatch batch;
    private final BrokerChannel channel;
    private final PartitionLeadershipManager leadership;
    private final TopicDeletionManager deletion;
    private final PartitionReassignments reassignments;
    private final ControllerMetrics metrics;
    private final ControllerEventManager events;
    private final PartitionLeadershipManager.ElectionTimings timings;
    private final LongSupplier nanoTime;
    private volatile boolean active;
    private volatile int publishedEpoch = -1;
    private ScheduledFuture<?> rebalanceTask;
    private boolean shutDown;

    ControllerLifecycle(
            ControllerConfig config,
            ZkStore store,
            ControllerElector elector,
            ControllerZkWriter writer,
            ControllerContext ctx,
            ControllerRequestBatch batch,
            BrokerChannel channel,
            PartitionLeadershipManager leadership,
            TopicDeletionManager deletion,
            PartitionReassignments reassignments,
            ControllerMetrics metrics,
            ControllerEventManager events,
            PartitionLeadershipManager.ElectionTimings timings,
            LongSupplier nanoTime) {
        this.config = config;
        this.store = store;
        this.elector = elector;
        this.writer = writer;
        this.ctx = ctx;
        this.batch = batch;
        this.channel = channel;
        this.leadership = leadership;
        this.deletion = deletion;
        this.reassignments = reassignments;
        this.metrics = metrics;
        this.events = events;
        this.timings = timings;
        this.nanoTime = nanoTime;
    }

    boolean isActive() {
        return active;
    }

    int epoch() {
        return publishedEpoch;
    }

    /** Tries to win; on success runs failover. Either way watches {@code /controller}. */
    void elect() {
        if (active || shutDown) {
            return;
        }
        Optional<ControllerLease> lease = elector.tryElect();
        if (lease.isPresent()) {
            try {
                onBecomingController(lease.get());
            } catch (ControllerMovedException e) {
                throw e;
            } catch (RuntimeException e) {
                // a half-loaded controller must not act: give the controllership up so another broker tries
                log.error(
                        "[Controller {} epoch={}] failover failed; resigning and releasing /controller",
                        config.brokerId(),
                        lease.get().epoch(),
                        e);
                resign();
                elector.release();
                // watch, but do not retry at once: another broker gets the next attempt
                elector.watchController(() -> events.put(new ControllerEvent.Reelect()));
                return;
            }
        }
        Optional<Integer> current = elector.watchController(() -> events.put(new ControllerEvent.Reelect()));
        if (current.isEmpty() && !active) {
            events.put(new ControllerEvent.Reelect());
        }
    }

    /** {@code /controller} changed, or the session reconnected. */
    void reelect() {
        if (active) {
            elector.watchController(() -> events.put(new ControllerEvent.Reelect()));
            if (!elector.ownsControllerZNode()) {
                log.warn(
                        "[Controller {} epoch={}] /controller no longer belongs to this controller; resigning",
                        config.brokerId(),
                        ctx.epoch());
                resign();
                elect();
            }
            return;
        }
        elect();
    }

    private void onBecomingController(ControllerLease lease) {
        long start = nanoTime.getAsLong();
        timings.reset();
        ctx.clear();
        ctx.setEpoch(lease.epoch(), lease.epochZkVersion());
        writer.fence(lease.epochZkVersion());
        active = true;
        publishedEpoch = lease.epoch();
        String prefix = "[Controller " + config.brokerId() + " epoch=" + lease.epoch() + "] ";
        log.info("{}became controller; loading cluster state", prefix);

        List<String> brokerIds =
                store.watchChildren(ZkPaths.BROKER_IDS, () -> events.put(new ControllerEvent.BrokerChange()));
        Map<String, Integer> brokerPaths = new LinkedHashMap<>();
        for (String id : brokerIds) {
            try {
                brokerPaths.put(BrokerIdZNode.path(Integer.parseInt(id)), Integer.parseInt(id));
            } catch (NumberFormatException e) {
                log.warn("{}ignoring unexpected znode {}/{}", prefix, ZkPaths.BROKER_IDS, id);
            }
        }
        // pipelined reads: one round trip for all brokers, one for all topics
        store.getAll(brokerPaths.keySet(), LOAD_TIMEOUT)
                .forEach((path, node) -> node.ifPresent(n -> ctx.putLiveBroker(BrokerIdZNode.decode(
                        brokerPaths.get(path), n.data(), n.stat().getCzxid()))));
        List<String> topics =
                store.watchChildren(ZkPaths.BROKER_TOPICS, () -> events.put(new ControllerEvent.TopicChange()));
        List<TopicPartition> newPartitions = new ArrayList<>();
        watchTopics(topics).values().forEach(t -> t.ifPresent(ctx::putTopic));
        // every partition, listed once (each listing builds new TopicPartition objects)
        List<TopicPartition> allPartitions = ctx.allPartitions();
        Map<TopicPartition, LeaderAndIsr> states = loadPartitionStates(allPartitions);
        for (TopicPartition tp : allPartitions) {
            LeaderAndIsr s = states.get(tp);
            if (s == null) {
                newPartitions.add(tp);
                continue;
            }
            ctx.putLeaderAndIsr(tp, s);
            boolean online = s.hasLeader() && ctx.isLive(s.leader());
            ctx.initPartitionState(tp, online ? PartitionState.Online : PartitionState.Offline);
            for (int b : ctx.replicas(tp)) {
                ctx.initReplicaState(new ReplicaKey(tp, b), ctx.isLive(b) ? ReplicaState.Online : ReplicaState.Offline);
            }
        }
        List<String> pendingDeletion =
                store.watchChildren(ZkPaths.DELETE_TOPICS, () -> events.put(new ControllerEvent.TopicDeletion()));
        long loaded = nanoTime.getAsLong();
        channel.brokersChanged(ctx.liveBrokers().values());

        // UpdateMetadata first: raises every live broker's controller epoch, fencing the previous controller
        batch.addUpdateMetadata(ctx.liveBrokerIds(), allPartitions);
        batch.sendRequestsToBrokers(ctx);
        // replica state machine startup: every live replica learns its partition's state
        for (TopicPartition tp : allPartitions) {
            ctx.leaderAndIsr(tp).ifPresent(s -> {
                List<Integer> replicas = ctx.replicas(tp);
                batch.addLeaderAndIsr(leadership.liveReplicas(replicas), tp, s, replicas, false);
            });
        }
        // partition state machine startup: elect leaders for offline partitions, initialize new ones
        List<TopicPartition> needElection = new ArrayList<>();
        Set<Integer> liveBrokerIds = ctx.liveBrokerIds();
        for (TopicPartition tp : allPartitions) {
            if (ctx.partitionState(tp) == PartitionState.Offline && !ctx.isQueuedForDeletion(tp.topic())) {
                needElection.add(tp);
            } else if (ctx.leaderAndIsr(tp)
                    .map(s -> !liveBrokerIds.containsAll(s.isr()))
                    .orElse(false)) {
                needElection.add(tp);
            }
        }
        leadership.electOffline(needElection);
        leadership.initializeNewPartitions(newPartitions);
        if (config.deleteTopicEnable()) {
            deletion.enqueue(pendingDeletion);
        }
        // reassignments in flight (topic znodes with adding/removing replicas), then a legacy request if any
        watchLegacyReassignment();
        reassignments.resume();
        long elected = nanoTime.getAsLong();
        batch.sendRequestsToBrokers(ctx);
        long sent = nanoTime.getAsLong();
        if (config.autoLeaderRebalanceEnable()) {
            long interval = config.leaderImbalanceCheckInterval().toMillis();
            rebalanceTask =
                    events.schedule(ControllerEvent.AutoPreferredReplicaLeaderElection::new, interval, interval);
        }
        metrics.setActive(true, lease.epoch());
        log.info(
                "{}failover done in {} ms: context load {} ms ({} brokers, {} topics, {} partitions), elections {} ms"
                        + " ({} offline, {} new; decisions {} ms, ZooKeeper writes {} ms), requests {} ms",
                prefix,
                ms(sent - start),
                ms(loaded - start),
                ctx.liveBrokerIds().size(),
                ctx.topics().size(),
                allPartitions.size(),
                ms(elected - loaded),
                needElection.size(),
                newPartitions.size(),
                ms(timings.decideNanos),
                ms(timings.writeNanos),
                ms(sent - elected));
    }

    /** Watches {@code /admin/reassign_partitions} (its creation or change starts a legacy reassignment request). */
    void watchLegacyReassignment() {
        store.watchData(ReassignPartitionsZNode.PATH, () -> events.put(new ControllerEvent.LegacyReassignment()));
    }

    /** Reads a topic and watches its znode for added partitions. */
    Optional<TopicMetadata> watchTopic(String topic) {
        return store.watchData(TopicZNode.path(topic), () -> onTopicChanged(topic))
                .map(n -> TopicZNode.decode(topic, n.data()));
    }

    /**
     * {@link #watchTopic} for many topics with pipelined reads: one round trip for all of them instead of one each.
     *
     * @return each topic, in the order given, with its assignment or empty if its znode is gone
     */
    Map<String, Optional<TopicMetadata>> watchTopics(List<String> topics) {
        Map<String, String> byPath = new LinkedHashMap<>();
        for (String topic : topics) {
            byPath.put(TopicZNode.path(topic), topic);
        }
        Map<String, Optional<TopicMetadata>> out = new LinkedHashMap<>();
        store.watchDataAll(byPath.keySet(), path -> () -> onTopicChanged(byPath.get(path)), LOAD_TIMEOUT)
                .forEach((path, node) -> {
                    String topic = byPath.get(path);
                    out.put(topic, node.map(n -> TopicZNode.decode(topic, n.data())));
                });
        return out;
    }

    private void onTopicChanged(String topic) {
        events.put(new ControllerEvent.PartitionModifications(topic));
    }

    /**
     * Reads many partition states with pipelined asynchronous read-only multis of up to {@link #READS_PER_MULTI}
     * reads (ZooKeeper 3.6+): a few requests instead of one per partition, all in flight at once. A partition whose
     * read failed (connection loss, a server without read multis, an undecodable state) is read again synchronously,
     * which throws on a real ZooKeeper problem; a missing state znode means a new partition.
     */
    private Map<TopicPartition, LeaderAndIsr> loadPartitionStates(List<TopicPartition> partitions) {
        Map<TopicPartition, LeaderAndIsr> out = new ConcurrentHashMap<>();
        Set<TopicPartition> retry = ConcurrentHashMap.newKeySet();
        List<List<TopicPartition>> chunks = new ArrayList<>();
        for (int from = 0; from < partitions.size(); from += READS_PER_MULTI) {
            chunks.add(partitions.subList(from, Math.min(partitions.size(), from + READS_PER_MULTI)));
        }
        CountDownLatch done = new CountDownLatch(chunks.size());
        ZooKeeper zk = null;
        try {
            zk = store.curator().getZookeeperClient().getZooKeeper();
        } catch (Exception e) {
            log.warn("[Controller {}] no ZooKeeper handle for pipelined reads: {}", config.brokerId(), e.toString());
        }
        String namespace = store.curator().getNamespace();
        for (List<TopicPartition> chunk : chunks) {
            if (zk == null) {
                retry.addAll(chunk);
                done.countDown();
                continue;
            }
            List<Op> reads = new ArrayList<>(chunk.size());
            for (TopicPartition tp : chunk) {
                reads.add(Op.getData(ZKPaths.fixForNamespace(namespace, TopicPartitionStateZNode.path(tp))));
            }
            try {
                zk.multi(
                        reads,
                        (rc, path, ctx, results) -> {
                            try {
                                collect(chunk, rc, results, out, retry);
                            } finally {
                                done.countDown();
                            }
                        },
                        null);
            } catch (RuntimeException e) {
                retry.addAll(chunk);
                done.countDown();
            }
        }
        try {
            if (!done.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("Timed out loading partition states");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted loading partition states", e);
        }
        if (!retry.isEmpty()) {
            log.warn("[Controller {}] reading {} partition states again one by one", config.brokerId(), retry.size());
        }
        for (TopicPartition tp : retry) {
            store.partitionState(tp).ifPresent(s -> out.put(tp, s));
        }
        return out;
    }

    /** Files the results of one read multi: states into {@code out}, failed reads into {@code retry}. */
    private static void collect(
            List<TopicPartition> chunk,
            int rc,
            List<OpResult> results,
            Map<TopicPartition, LeaderAndIsr> out,
            Set<TopicPartition> retry) {
        if (rc != KeeperException.Code.OK.intValue() || results == null || results.size() != chunk.size()) {
            retry.addAll(chunk);
            return;
        }
        for (int i = 0; i < chunk.size(); i++) {
            TopicPartition tp = chunk.get(i);
            OpResult result = results.get(i);
            if (result instanceof OpResult.GetDataResult data) {
                try {
                    out.put(
                            tp,
                            TopicPartitionStateZNode.decode(
                                    tp, data.getData(), data.getStat().getVersion()));
                } catch (RuntimeException e) {
                    retry.add(tp);
                }
            } else if (!(result instanceof OpResult.ErrorResult error
                    && error.getErr() == KeeperException.Code.NONODE.intValue())) {
                retry.add(tp);
            }
        }
    }

    /** Stops acting as controller: forget the context, drop unsent requests, stop timers. */
    void resign() {
        if (!active) {
            return;
        }
        log.info("[Controller {} epoch={}] resigning", config.brokerId(), ctx.epoch());
        active = false;
        publishedEpoch = -1;
        if (rebalanceTask != null) {
            rebalanceTask.cancel(false);
            rebalanceTask = null;
        }
        batch.clear();
        deletion.failWaiters(org.apache.kafka.common.protocol.Errors.NOT_CONTROLLER);
        ctx.clear();
        writer.fence(-1);
        metrics.setActive(false, -1);
    }

    /** Clean shutdown: resign and give up {@code /controller} so another broker takes over at once. */
    void shutdown() {
        shutDown = true;
        boolean wasActive = active;
        resign();
        if (wasActive) {
            try {
                elector.release();
            } catch (RuntimeException e) {
                log.warn("[Controller {}] could not release /controller: {}", config.brokerId(), e.toString());
            }
        }
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
