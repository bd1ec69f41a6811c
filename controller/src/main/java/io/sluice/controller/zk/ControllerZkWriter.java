package io.sluice.controller.zk;

import io.sluice.metadata.model.LeaderAndIsr;
import io.sluice.metadata.model.TopicMetadata;
import io.sluice.metadata.zk.ConfigEntityZNode;
import io.sluice.metadata.zk.DeleteTopicsZNode;
import io.sluice.metadata.zk.ReassignPartitionsZNode;
import io.sluice.metadata.zk.TopicPartitionStateZNode;
import io.sluice.metadata.zk.TopicZNode;
import io.sluice.metadata.zk.ZkStore;
import io.sluice.metadata.zk.ZkStoreException;
import io.sluice.metadata.zk.ZkTransaction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.TopicPartition;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;

/**
 * Every ZooKeeper write of the controller. Each write is one {@link ZkStore#fencedTransaction(int) fenced
 * transaction}: operation 0 checks {@code /controller_epoch} at the zkVersion this controller's election produced,
 * so a controller that lost its authority (a zombie woken after its session expired) changes nothing. A failed
 * check throws {@link ControllerMovedException}; the caller resigns and never retries.
 *
 * <p>Partition-state writes also expect the state znode's own version (the partition epoch); a successful write
 * returns the new zkVersion as the new partition epoch. Many partition states are written per transaction (at most
 * {@link #MAX_OPS_PER_TRANSACTION} operations, and for state updates no more than fit ZooKeeper's request size limit,
 * see {@link io.sluice.metadata.zk.ZkLimits}), and the transactions of one batch of updates are pipelined, which is
 * what makes failover of thousands of partitions fast.
 *
 * <p>Concurrency: used only by the controller event thread (it holds the fencing token, updated on election).
 */
public final class ControllerZkWriter {

    /** Operations per multi, below ZooKeeper's 1 MB request limit with room to spare (~150 bytes per state op). */
    public static final int MAX_OPS_PER_TRANSACTION = 1000;

    /**
     * Longest wait for a pipelined transaction's answer. Curator itself gives up on a lost connection after its retry
     * policy; this bounds the wait should no answer ever come (then the outcome is unknown, treated as a connection
     * problem).
     */
    static final Duration ASYNC_COMMIT_TIMEOUT = Duration.ofSeconds(60);

    private final ZkStore store;
    private int epochZkVersion = -1;

    public ControllerZkWriter(ZkStore store) {
        this.store = store;
    }

    /** Sets the fencing token: the zkVersion of {@code /controller_epoch} written by this controller's election. */
    public void fence(int controllerEpochZkVersion) {
        this.epochZkVersion = controllerEpochZkVersion;
    }

    /**
     * Outcome of a batch of partition-state updates.
     *
     * @param written the new states, each carrying its new partition epoch
     * @param conflicts partitions whose state znode had another version than expected (nothing written for them)
     */
    public record UpdateResult(Map<TopicPartition, LeaderAndIsr> written, Set<TopicPartition> conflicts) {}

    /**
     * Creates a topic: its config overrides at {@code /config/topics/T} (replacing stale ones), its assignment at
     * {@code /brokers/topics/T} and the empty {@code partitions} child, in one fenced transaction.
     *
     * @throws ZkStoreException with {@code NODEEXISTS} if the topic exists
     */
    public void createTopic(TopicMetadata topic, Map<String, String> config) {
        ZkTransaction tx = store.fencedTransaction(epochZkVersion);
        String configPath = ConfigEntityZNode.topicPath(topic.name());
        if (store.exists(configPath).isPresent()) {
            tx.setData(configPath, ConfigEntityZNode.encode(config), -1);
        } else {
            tx.create(configPath, ConfigEntityZNode.encode(config), CreateMode.PERSISTENT);
        }
        tx.create(TopicZNode.path(topic.name()), TopicZNode.encode(topic), CreateMode.PERSISTENT);
        tx.create(TopicZNode.partitionsPath(topic.name()), new byte[0], CreateMode.PERSISTENT);
        commit(tx);
    }

    /** Replaces a topic's assignment (partitions added) if the topic znode still has {@code expectedVersion}. */
    public void updateTopic(TopicMetadata topic, int expectedVersion) {
        ZkTransaction tx = store.fencedTransaction(epochZkVersion);
        tx.setData(TopicZNode.path(topic.name()), TopicZNode.encode(topic), expectedVersion);
        commit(tx);
    }

    /**
     * Creates the state znodes of new partitions (and their {@code partitions/P} parents), in fenced transactions
     * that are all sent at once and then awaited together (see {@link #updatePartitionStates}). The first transaction
     * also creates a missing {@code partitions} znode; ZooKeeper applies one session's requests in order, so the
     * later transactions find it.
     *
     * @return the written states with partition epoch 0 (a new znode's version)
     * @throws ControllerMovedException if the fence failed, once every transaction has answered
     * @throws PartialUpdateException if a transaction failed otherwise; it carries the states that were created
     */
    public Map<TopicPartition, LeaderAndIsr> createPartitionStates(Map<TopicPartition, LeaderAndIsr> states) {
        List<Map.Entry<TopicPartition, LeaderAndIsr>> entries = new ArrayList<>(states.entrySet());
        int perTx = (MAX_OPS_PER_TRANSACTION - 1) / 2;
        Map<String, Set<String>> existingPartitions = new HashMap<>();
        Set<String> missingPartitionsZnode = new HashSet<>();
        for (Map.Entry<TopicPartition, LeaderAndIsr> e : entries) {
            existingPartitions.computeIfAbsent(e.getKey().topic(), t -> {
                // a topic written by a tool may lack the partitions znode
                if (store.exists(TopicZNode.partitionsPath(t)).isEmpty()) {
                    missingPartitionsZnode.add(t);
                }
                return new HashSet<>(store.children(TopicZNode.partitionsPath(t)));
            });
        }
        List<List<Map.Entry<TopicPartition, LeaderAndIsr>>> chunks = new ArrayList<>();
        List<CompletableFuture<List<ZkTransaction.Result>>> inFlight = new ArrayList<>();
        for (int from = 0; from < entries.size(); from += perTx) {
            ZkTransaction tx = store.fencedTransaction(epochZkVersion);
            for (Iterator<String> it = missingPartitionsZnode.iterator(); it.hasNext(); ) {
                tx.create(TopicZNode.partitionsPath(it.next()), new byte[0], CreateMode.PERSISTENT);
                it.remove();
            }
            List<Map.Entry<TopicPartition, LeaderAndIsr>> chunk =
                    entries.subList(from, Math.min(entries.size(), from + perTx));
            for (Map.Entry<TopicPartition, LeaderAndIsr> e : chunk) {
                TopicPartition tp = e.getKey();
                String partitionPath = TopicZNode.partitionPath(tp.topic(), tp.partition());
                if (!existingPartitions.get(tp.topic()).contains(Integer.toString(tp.partition()))) {
                    tx.create(partitionPath, new byte[0], CreateMode.PERSISTENT);
                }
                tx.create(
                        TopicPartitionStateZNode.path(tp),
                        TopicPartitionStateZNode.encode(e.getValue()),
                        CreateMode.PERSISTENT);
            }
            chunks.add(chunk);
            inFlight.add(tx.commitAsync());
        }
        Map<TopicPartition, LeaderAndIsr> out = new LinkedHashMap<>();
        RuntimeException failure = null;
        for (int c = 0; c < chunks.size(); c++) {
            try {
                await(inFlight.get(c));
                for (Map.Entry<TopicPartition, LeaderAndIsr> e : chunks.get(c)) {
                    out.put(e.getKey(), e.getValue().withPartitionEpoch(0));
                }
            } catch (ZkStoreException e) {
                failure = firstFailure(failure, fenceFailure(e));
            }
        }
        throwIfFailed(failure, out);
        return out;
    }

    /**
     * Writes new partition states, each expecting its state znode at the version in the state's
     * {@link LeaderAndIsr#partitionEpoch()}. A partition whose znode moved on is reported as a conflict and the others
     * are written anyway.
     *
     * <p>The states go in fenced transactions of up to {@link #MAX_OPS_PER_TRANSACTION} operations, each kept under
     * ZooKeeper's request size limit ({@link ZkTransaction#fits}: large ISRs or long topic names mean fewer states per
     * transaction, never a request ZooKeeper would refuse), that are all sent
     * at once ({@link ZkTransaction#commitAsync() pipelined}) and then awaited together, so the ZooKeeper server
     * group-commits them instead of syncing its log once per transaction. Each transaction is atomic and carries its
     * own {@code check(/controller_epoch)}: a zombie fails every one of them. A transaction rejected for a partition
     * epoch conflict wrote nothing; its conflicting partition is reported and its other partitions go again in the
     * next round.
     *
     * <p>Failures. A lost fence throws {@link ControllerMovedException} once every transaction of the round has
     * answered (the controller resigns and forgets its context, so whatever committed before the new controller
     * took over needs no bookkeeping: the new controller reads it from ZooKeeper). Any other failure of a
     * transaction throws {@link PartialUpdateException} carrying the states of the transactions that did commit, so
     * the caller applies exactly those to its context and ZooKeeper and the context agree; partitions of a transaction
     * ZooKeeper rejected were not written (a multi is all or nothing) and keep their old state in the context. After a
     * connection problem (or no answer in {@link #ASYNC_COMMIT_TIMEOUT}) a transaction's outcome is unknown: the
     * controller resigns on those and its successor, or itself re-elected, reads every state from ZooKeeper.
     */
    public UpdateResult updatePartitionStates(Map<TopicPartition, LeaderAndIsr> states) {
        Map<TopicPartition, LeaderAndIsr> written = new HashMap<>(states.size() * 2);
        Set<TopicPartition> conflicts = new TreeSet<>((a, b) -> a.toString().compareTo(b.toString()));
        List<TopicPartition> pending = new ArrayList<>(states.keySet());
        int perTx = MAX_OPS_PER_TRANSACTION - 1;
        while (!pending.isEmpty()) {
            List<List<TopicPartition>> chunks = new ArrayList<>();
            List<CompletableFuture<List<ZkTransaction.Result>>> inFlight = new ArrayList<>();
            ZkTransaction tx = null;
            List<TopicPartition> building = null;
            for (TopicPartition tp : pending) {
                LeaderAndIsr s = states.get(tp);
                String path = TopicPartitionStateZNode.path(tp);
                byte[] data = TopicPartitionStateZNode.encode(s);
                // a new transaction at the operation limit or before the request would pass ZooKeeper's size limit
                if (tx != null && (building.size() >= perTx || !tx.fits(path, data))) {
                    chunks.add(building);
                    inFlight.add(tx.commitAsync());
                    tx = null;
                }
                if (tx == null) {
                    tx = store.fencedTransaction(epochZkVersion);
                    building = new ArrayList<>();
                }
                tx.setData(path, data, s.partitionEpoch());
                building.add(tp);
            }
            if (tx != null) {
                chunks.add(building);
                inFlight.add(tx.commitAsync());
            }
            List<TopicPartition> again = new ArrayList<>();
            RuntimeException failure = null;
            for (int c = 0; c < chunks.size(); c++) {
                List<TopicPartition> chunk = chunks.get(c);
                try {
                    List<ZkTransaction.Result> results = await(inFlight.get(c));
                    for (int i = 0; i < chunk.size(); i++) {
                        TopicPartition tp = chunk.get(i);
                        int newVersion = results.get(i + 1).stat().getVersion();
                        written.put(tp, states.get(tp).withPartitionEpoch(newVersion));
                    }
                } catch (ZkStoreException e) {
                    int failed = e.failedOperation();
                    if ((e.isBadVersion() || e.isNoNode()) && failed >= 1 && failed <= chunk.size()) {
                        conflicts.add(chunk.get(failed - 1));
                        // nothing of the chunk was written: the others go again, in their order
                        for (int i = 0; i < chunk.size(); i++) {
                            if (i != failed - 1) {
                                again.add(chunk.get(i));
                            }
                        }
                    } else {
                        failure = firstFailure(failure, fenceFailure(e));
                    }
                }
            }
            throwIfFailed(failure, written);
            pending = again;
        }
        return new UpdateResult(written, conflicts);
    }

    /**
     * Removes a deleted topic: every partition state, partition and the topic znode (children first), its config, and
     * its {@code /admin/delete_topics} entry. Large topics take several fenced transactions, deepest znodes first.
     */
    public void deleteTopic(String topic, Set<Integer> partitions) {
        List<String> paths = new ArrayList<>();
        for (int p : partitions) {
            paths.add(TopicPartitionStateZNode.path(topic, p));
        }
        for (int p : partitions) {
            paths.add(TopicZNode.partitionPath(topic, p));
        }
        paths.add(TopicZNode.partitionsPath(topic));
        paths.add(TopicZNode.path(topic));
        paths.add(ConfigEntityZNode.topicPath(topic));
        paths.add(DeleteTopicsZNode.path(topic));
        // one pipelined read instead of one round trip per znode
        List<String> existing = new ArrayList<>();
        store.getAll(paths, ASYNC_COMMIT_TIMEOUT).forEach((path, node) -> {
            if (node.isPresent()) {
                existing.add(path);
            }
        });
        int perTx = MAX_OPS_PER_TRANSACTION - 1;
        // pipelined: ZooKeeper applies them in order, so children are gone before their parents' turn; if one
        // fails, the later ones fail too (a parent still has children) and the deletion is retried as a whole
        List<CompletableFuture<List<ZkTransaction.Result>>> inFlight = new ArrayList<>();
        for (int from = 0; from < existing.size(); from += perTx) {
            ZkTransaction tx = store.fencedTransaction(epochZkVersion);
            existing.subList(from, Math.min(existing.size(), from + perTx)).forEach(p -> tx.delete(p, -1));
            inFlight.add(tx.commitAsync());
        }
        RuntimeException failure = null;
        for (CompletableFuture<List<ZkTransaction.Result>> f : inFlight) {
            try {
                await(f);
            } catch (ZkStoreException e) {
                failure = firstFailure(failure, fenceFailure(e));
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Queues a topic for deletion ({@code /admin/delete_topics/T}); no-op if already queued. */
    public void requestTopicDeletion(String topic) {
        if (store.exists(DeleteTopicsZNode.path(topic)).isPresent()) {
            return;
        }
        ZkTransaction tx = store.fencedTransaction(epochZkVersion);
        tx.create(DeleteTopicsZNode.path(topic), DeleteTopicsZNode.encode(), CreateMode.PERSISTENT);
        try {
            commit(tx);
        } catch (ZkStoreException e) {
            if (!e.isNodeExists()) {
                throw e;
            }
        }
    }

    /** Deletes the legacy reassignment request {@code /admin/reassign_partitions} once its moves were started. */
    public void removeLegacyReassignment() {
        ZkTransaction tx = store.fencedTransaction(epochZkVersion);
        tx.delete(ReassignPartitionsZNode.PATH, -1);
        try {
            commit(tx);
        } catch (ZkStoreException e) {
            if (!e.isNoNode()) {
                throw e;
            }
        }
    }

    /** Removes a deletion request that will not be carried out (unknown topic, or deletion disabled). */
    public void removeDeletionRequest(String topic) {
        if (store.exists(DeleteTopicsZNode.path(topic)).isEmpty()) {
            return;
        }
        ZkTransaction tx = store.fencedTransaction(epochZkVersion);
        tx.delete(DeleteTopicsZNode.path(topic), -1);
        try {
            commit(tx);
        } catch (ZkStoreException e) {
            if (!e.isNoNode()) {
                throw e;
            }
        }
    }

    private List<ZkTransaction.Result> commit(ZkTransaction tx) {
        try {
            return tx.commit();
        } catch (ZkStoreException e) {
            throw fenceFailure(e);
        }
    }

    /** A {@link ControllerMovedException} if {@code e} is a failed fence check (operation 0), else {@code e}. */
    private RuntimeException fenceFailure(ZkStoreException e) {
        if (e.failedOperation() == 0 && (e.isBadVersion() || e.isNoNode())) {
            return new ControllerMovedException(
                    "Controller epoch fence failed (expected /controller_epoch version " + epochZkVersion
                            + "): another controller was elected",
                    e);
        }
        return e;
    }

    /** The failure to report for a batch: a lost fence wins, otherwise the first one. */
    private static RuntimeException firstFailure(RuntimeException first, RuntimeException next) {
        if (first == null
                || (next instanceof ControllerMovedException && !(first instanceof ControllerMovedException))) {
            return next;
        }
        return first;
    }

    /** Throws a batch's failure: a lost fence as is, anything else with the states that did commit. */
    private static void throwIfFailed(RuntimeException failure, Map<TopicPartition, LeaderAndIsr> committed) {
        if (failure instanceof ControllerMovedException moved) {
            throw moved;
        }
        if (failure instanceof ZkStoreException z) {
            throw new PartialUpdateException(z, committed);
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Waits for a pipelined transaction; its failure is rethrown as the {@link ZkStoreException} it carries. */
    private static List<ZkTransaction.Result> await(CompletableFuture<List<ZkTransaction.Result>> future) {
        try {
            return future.get(ASYNC_COMMIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ZkStoreException z) {
                throw z;
            }
            throw new ZkStoreException("Pipelined transaction failed: " + e.getCause(), null, null, -1, e.getCause());
        } catch (TimeoutException e) {
            throw new ZkStoreException(
                    "Pipelined transaction not answered within " + ASYNC_COMMIT_TIMEOUT.toMillis() + " ms",
                    KeeperException.Code.OPERATIONTIMEOUT,
                    null,
                    -1,
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ZkStoreException("Interrupted waiting for a pipelined transaction", null, null, -1, e);
        }
    }
}
