package io.sluice.controller.zk;

import io.sluice.metadata.model.LeaderAndIsr;
import io.sluice.metadata.model.TopicMetadata;
import io.sluice.metadata.zk.ConfigEntityZNode;
import io.sluice.metadata.zk.DeleteTopicsZNode;
import io.sluice.metadata.zk.TopicPartitionStateZNode;
import io.sluice.metadata.zk.TopicZNode;
import io.sluice.metadata.zk.ZkStore;
import io.sluice.metadata.zk.ZkStoreException;
import io.sluice.metadata.zk.ZkTransaction;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;
import org.apache.zookeeper.CreateMode;

/**
 * Every ZooKeeper write of the controller. Each write is one {@link ZkStore#fencedTransaction(int) fenced
 * transaction}: operation 0 checks {@code /controller_epoch} at the zkVersion this controller's election produced,
 * so a controller that lost its authority (a zombie woken after its session expired) changes nothing. A failed
 * check throws {@link ControllerMovedException}; the caller resigns and never retries.
 *
 * <p>Partition-state writes also expect the state znode's own version (the partition epoch); a successful write
 * returns the new zkVersion as the new partition epoch. Many partition states are written per transaction (at most
 * {@link #MAX_OPS_PER_TRANSACTION} operations), which is what makes failover of thousands of partitions fast.
 *
 * <p>Concurrency: used only by the controller event thread (it holds the fencing token, updated on election).
 */
public final class ControllerZkWriter {

    /** Operations per multi, below ZooKeeper's 1 MB request limit with room to spare (~150 bytes per state op). */
    public static final int MAX_OPS_PER_TRANSACTION = 1000;

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
     * Creates the state znodes of new partitions (and their {@code partitions/P} parents).
     *
     * @return the written states with partition epoch 0
     */
    public Map<TopicPartition, LeaderAndIsr> createPartitionStates(Map<TopicPartition, LeaderAndIsr> states) {
        Map<TopicPartition, LeaderAndIsr> out = new LinkedHashMap<>();
        List<Map.Entry<TopicPartition, LeaderAndIsr>> entries = new ArrayList<>(states.entrySet());
        int perTx = (MAX_OPS_PER_TRANSACTION - 1) / 2;
        Map<String, Set<String>> existingPartitions = new HashMap<>();
        Set<String> missingPartitionsZnode = new java.util.HashSet<>();
        for (Map.Entry<TopicPartition, LeaderAndIsr> e : entries) {
            existingPartitions.computeIfAbsent(e.getKey().topic(), t -> {
                // a topic written by a tool may lack the partitions znode
                if (store.exists(TopicZNode.partitionsPath(t)).isEmpty()) {
                    missingPartitionsZnode.add(t);
                }
                return new java.util.HashSet<>(store.children(TopicZNode.partitionsPath(t)));
            });
        }
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
            List<ZkTransaction.Result> results = commit(tx);
            for (Map.Entry<TopicPartition, LeaderAndIsr> e : chunk) {
                String statePath = TopicPartitionStateZNode.path(e.getKey());
                int version = results.stream()
                        .filter(r -> r.path().equals(statePath))
                        .mapToInt(r -> r.stat() == null ? 0 : r.stat().getVersion())
                        .findFirst()
                        .orElse(0);
                out.put(e.getKey(), e.getValue().withPartitionEpoch(version));
            }
        }
        return out;
    }

    /**
     * Writes new partition states, each expecting its state znode at the version in the state's
     * {@link LeaderAndIsr#partitionEpoch()}. A partition whose znode moved on is reported as a conflict and the others
     * are written anyway.
     */
    public UpdateResult updatePartitionStates(Map<TopicPartition, LeaderAndIsr> states) {
        Map<TopicPartition, LeaderAndIsr> written = new HashMap<>();
        Set<TopicPartition> conflicts = new TreeSet<>((a, b) -> a.toString().compareTo(b.toString()));
        // a deque, not a list: removing each written chunk from a list was quadratic in the partition count
        Deque<TopicPartition> pending = new ArrayDeque<>(states.keySet());
        int perTx = MAX_OPS_PER_TRANSACTION - 1;
        while (!pending.isEmpty()) {
            List<TopicPartition> chunk = new ArrayList<>(Math.min(pending.size(), perTx));
            while (chunk.size() < perTx && !pending.isEmpty()) {
                chunk.add(pending.pollFirst());
            }
            ZkTransaction tx = store.fencedTransaction(epochZkVersion);
            for (TopicPartition tp : chunk) {
                LeaderAndIsr s = states.get(tp);
                tx.setData(TopicPartitionStateZNode.path(tp), TopicPartitionStateZNode.encode(s), s.partitionEpoch());
            }
            try {
                List<ZkTransaction.Result> results = commit(tx);
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
                    for (int i = chunk.size() - 1; i >= 0; i--) {
                        if (i != failed - 1) {
                            pending.addFirst(chunk.get(i));
                        }
                    }
                } else {
                    throw e;
                }
            }
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
        List<String> existing =
                paths.stream().filter(p -> store.exists(p).isPresent()).toList();
        int perTx = MAX_OPS_PER_TRANSACTION - 1;
        for (int from = 0; from < existing.size(); from += perTx) {
            ZkTransaction tx = store.fencedTransaction(epochZkVersion);
            existing.subList(from, Math.min(existing.size(), from + perTx)).forEach(p -> tx.delete(p, -1));
            commit(tx);
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
            if (e.failedOperation() == 0 && (e.isBadVersion() || e.isNoNode())) {
                throw new ControllerMovedException(
                        "Controller epoch fence failed (expected /controller_epoch version " + epochZkVersion
                                + "): another controller was elected",
                        e);
            }
            throw e;
        }
    }
}
