package io.sluice.metadata.zk;

import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.LeaderAndIsr;
import io.sluice.metadata.model.ProducerIdBlock;
import io.sluice.metadata.model.TopicMetadata;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.kafka.common.TopicPartition;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thin facade over a started Curator client for Sluice's znodes: raw reads with {@link Stat}, creates,
 * conditional writes, children, one-shot watches, atomic transactions, and typed reads and writes of the znodes in
 * {@link ZkPaths}. Every failure is a {@link ZkStoreException} carrying the ZooKeeper error code; a write larger than
 * {@link ZkLimits#MAX_REQUEST_BYTES} or on an invalid path is refused before it is sent. Connection-state
 * listeners and recipes are used through {@link #curator()}.
 *
 * <p>Thread-safety: stateless over the Curator client, which is thread-safe; any thread may call any method. The
 * caller owns the client's lifecycle (start and close).
 */
public final class ZkStore {
    private static final Logger log = LoggerFactory.getLogger(ZkStore.class);

    private final CuratorFramework client;

    public ZkStore(CuratorFramework client) {
        this.client = client;
    }

    /** The underlying client, for watches and recipes. */
    public CuratorFramework curator() {
        return client;
    }

    // ---- raw operations

    /** The data and stat of {@code path}, empty if it does not exist. */
    public Optional<ZkNode> get(String path) {
        Stat stat = new Stat();
        try {
            byte[] data = client.getData().storingStatIn(stat).forPath(path);
            return Optional.of(new ZkNode(path, data, stat));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (Exception e) {
            throw ZkStoreException.wrap("getData", path, e);
        }
    }

    /** The stat of {@code path}, empty if it does not exist. */
    public Optional<Stat> exists(String path) {
        try {
            return Optional.ofNullable(client.checkExists().forPath(path));
        } catch (Exception e) {
            throw ZkStoreException.wrap("exists", path, e);
        }
    }

    /**
     * Creates {@code path}, creating missing parents as persistent empty znodes.
     *
     * @return the new znode's stat (its czxid is, for a broker registration, the broker epoch)
     * @throws ZkStoreException with {@code NODEEXISTS} if it exists
     */
    public Stat create(String path, byte[] data, CreateMode mode) {
        checkSize("create", path, data);
        Stat stat = new Stat();
        try {
            client.create()
                    .storingStatIn(stat)
                    .creatingParentsIfNeeded()
                    .withMode(mode)
                    .forPath(path, data);
            return stat;
        } catch (Exception e) {
            throw ZkStoreException.wrap("create", path, e);
        }
    }

    /** Creates {@code path} unless it exists; returns whether this call created it. */
    public boolean createIfAbsent(String path, byte[] data, CreateMode mode) {
        try {
            create(path, data, mode);
            return true;
        } catch (ZkStoreException e) {
            if (e.isNodeExists()) {
                return false;
            }
            throw e;
        }
    }

    /** Creates every path of {@link ZkPaths#PERSISTENT_PATHS} that is missing, empty and persistent. */
    public void ensurePersistentPaths() {
        for (String path : ZkPaths.PERSISTENT_PATHS) {
            createIfAbsent(path, new byte[0], CreateMode.PERSISTENT);
        }
    }

    /**
     * Sets the data of {@code path} if its zkVersion is {@code expectedVersion} ({@link Versioned#MATCH_ANY_VERSION}
     * matches any).
     *
     * <p>Curator retries an operation after a connection loss, so a {@code BADVERSION} can also mean that an earlier
     * attempt of this very call succeeded: callers that must know re-read the znode (as the controller does).
     *
     * @return the new zkVersion
     * @throws ZkStoreException with {@code BADVERSION} or {@code NONODE}
     */
    public int setData(String path, byte[] data, int expectedVersion) {
        checkSize("setData", path, data);
        try {
            return client.setData()
                    .withVersion(expectedVersion)
                    .forPath(path, data)
                    .getVersion();
        } catch (Exception e) {
            throw ZkStoreException.wrap("setData", path, e);
        }
    }

    /** Deletes {@code path} if its zkVersion is {@code expectedVersion} ({@code -1} matches any). */
    public void delete(String path, int expectedVersion) {
        try {
            client.delete().withVersion(expectedVersion).forPath(path);
        } catch (Exception e) {
            throw ZkStoreException.wrap("delete", path, e);
        }
    }

    /** Deletes {@code path} and all its descendants if it exists; returns whether it existed. */
    public boolean deleteRecursiveIfExists(String path) {
        try {
            client.delete().deletingChildrenIfNeeded().forPath(path);
            return true;
        } catch (KeeperException.NoNodeException e) {
            return false;
        } catch (Exception e) {
            throw ZkStoreException.wrap("delete", path, e);
        }
    }

    /** The names of the children of {@code path}, sorted; empty if the path does not exist. */
    public List<String> children(String path) {
        try {
            List<String> children = new ArrayList<>(client.getChildren().forPath(path));
            Collections.sort(children);
            return children;
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        } catch (Exception e) {
            throw ZkStoreException.wrap("getChildren", path, e);
        }
    }

    /**
     * The children of {@code path}, sorted, and a one-shot watch that runs {@code onChange} when they change or the
     * node is deleted; if the node does not exist the watch fires when it is created. The callback runs on the
     * ZooKeeper event thread: it must only enqueue work (the handler then calls this method again to re-arm). Session
     * and connection events do not reach {@code onChange}; watches are lost with an expired session, so owners re-read
     * and re-arm on reconnection.
     */
    public List<String> watchChildren(String path, Runnable onChange) {
        Watcher watcher = nodeEventsOnly(onChange);
        try {
            List<String> children =
                    new ArrayList<>(client.getChildren().usingWatcher(watcher).forPath(path));
            Collections.sort(children);
            return children;
        } catch (KeeperException.NoNodeException e) {
            watchExistence(path, watcher);
            return List.of();
        } catch (Exception e) {
            throw ZkStoreException.wrap("getChildren", path, e);
        }
    }

    /**
     * The data of {@code path} (empty if absent) and a one-shot watch that runs {@code onChange} when the node is
     * created, changed or deleted. Same threading rules as {@link #watchChildren}.
     */
    public Optional<ZkNode> watchData(String path, Runnable onChange) {
        Watcher watcher = nodeEventsOnly(onChange);
        Stat stat = new Stat();
        try {
            byte[] data =
                    client.getData().storingStatIn(stat).usingWatcher(watcher).forPath(path);
            return Optional.of(new ZkNode(path, data, stat));
        } catch (KeeperException.NoNodeException e) {
            if (watchExistence(path, watcher)) {
                // created between the two calls: the exists watch is armed, so read the node now
                return get(path);
            }
            return Optional.empty();
        } catch (Exception e) {
            throw ZkStoreException.wrap("getData", path, e);
        }
    }

    /**
     * Reads many znodes with pipelined background reads: all requests in flight at once, one round trip in all
     * instead of one each. The answer maps every path, in the order given, to its node or empty if it does not exist.
     *
     * @throws ZkStoreException on the first read that failed otherwise, or if the answers take longer than
     *     {@code timeout}
     */
    public Map<String, Optional<ZkNode>> getAll(Collection<String> paths, java.time.Duration timeout) {
        return readAll(paths, p -> null, timeout);
    }

    /**
     * {@link #watchData} for many znodes at once, with pipelined background reads: the data of each path (empty if
     * absent) and a one-shot watch on each that runs {@code onChange.apply(path)} when it is created, changed or
     * deleted. Same threading rules as {@link #watchChildren}. A path found absent is watched for its creation with a
     * synchronous call, as {@link #watchData} does.
     */
    public Map<String, Optional<ZkNode>> watchDataAll(
            Collection<String> paths, Function<String, Runnable> onChange, java.time.Duration timeout) {
        Map<String, Optional<ZkNode>> read = readAll(paths, p -> nodeEventsOnly(onChange.apply(p)), timeout);
        read.replaceAll((path, node) -> node.isPresent() ? node : watchData(path, onChange.apply(path)));
        return read;
    }

    private Map<String, Optional<ZkNode>> readAll(
            Collection<String> paths, Function<String, Watcher> watchers, java.time.Duration timeout) {
        Map<String, CompletableFuture<Optional<ZkNode>>> pending = new LinkedHashMap<>();
        for (String path : paths) {
            CompletableFuture<Optional<ZkNode>> future = new CompletableFuture<>();
            pending.put(path, future);
            Watcher watcher = watchers.apply(path);
            try {
                var builder =
                        watcher == null ? client.getData() : client.getData().usingWatcher(watcher);
                builder.inBackground((c, event) -> {
                            int rc = event.getResultCode();
                            if (rc == KeeperException.Code.OK.intValue()) {
                                future.complete(Optional.of(new ZkNode(path, event.getData(), event.getStat())));
                            } else if (rc == KeeperException.Code.NONODE.intValue()) {
                                future.complete(Optional.empty());
                            } else {
                                future.completeExceptionally(
                                        KeeperException.create(KeeperException.Code.get(rc), path));
                            }
                        })
                        .forPath(path);
            } catch (Exception e) {
                future.completeExceptionally(e);
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Optional<ZkNode>> out = new LinkedHashMap<>();
        for (Map.Entry<String, CompletableFuture<Optional<ZkNode>>> e : pending.entrySet()) {
            try {
                out.put(e.getKey(), e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (ExecutionException ex) {
                throw ZkStoreException.wrap(
                        "getData", e.getKey(), ex.getCause() instanceof Exception cause ? cause : ex);
            } catch (TimeoutException ex) {
                throw new ZkStoreException(
                        "getData " + e.getKey() + " timed out after " + timeout.toMillis() + " ms",
                        KeeperException.Code.OPERATIONTIMEOUT,
                        e.getKey(),
                        -1,
                        ex);
            } catch (InterruptedException ex) {
                throw ZkStoreException.wrap("getData", e.getKey(), ex);
            }
        }
        return out;
    }

    private boolean watchExistence(String path, Watcher watcher) {
        try {
            return client.checkExists().usingWatcher(watcher).forPath(path) != null;
        } catch (Exception e) {
            throw ZkStoreException.wrap("exists", path, e);
        }
    }

    private static Watcher nodeEventsOnly(Runnable onChange) {
        return event -> {
            if (event.getType() != Watcher.Event.EventType.None) {
                onChange.run();
            }
        };
    }

    /** Refuses a write whose request would exceed {@link ZkLimits#MAX_REQUEST_BYTES}, before sending it. */
    private void checkSize(String operation, String path, byte[] data) {
        long bytes = ZkLimits.REQUEST_OVERHEAD_BYTES
                + ZkLimits.operationBytes(ZkLimits.namespaced(client.getNamespace(), path), data);
        if (bytes > ZkLimits.MAX_REQUEST_BYTES) {
            throw ZkStoreException.rejectedLocally(
                    operation + " " + path + " of " + (data == null ? 0 : data.length) + " bytes refused: above the "
                            + ZkLimits.MAX_REQUEST_BYTES + "-byte request limit derived from jute.maxbuffer="
                            + ZkLimits.JUTE_MAX_BUFFER,
                    path,
                    null);
        }
    }

    /** A new, empty transaction. */
    public ZkTransaction transaction() {
        return new ZkTransaction(client);
    }

    /** A transaction whose first operation checks {@code /controller_epoch} at {@code controllerEpochZkVersion}. */
    public ZkTransaction fencedTransaction(int controllerEpochZkVersion) {
        return transaction().check(ControllerEpochZNode.PATH, controllerEpochZkVersion);
    }

    // ---- typed reads and writes

    /** The cluster id, creating it with {@code newId} if absent (the first broker wins a race). */
    public String getOrCreateClusterId(Supplier<String> newId) {
        Optional<ZkNode> node = get(ClusterIdZNode.PATH);
        if (node.isPresent()) {
            return ClusterIdZNode.decode(node.get().data());
        }
        String id = newId.get();
        if (createIfAbsent(ClusterIdZNode.PATH, ClusterIdZNode.encode(id), CreateMode.PERSISTENT)) {
            log.info("Created cluster id {}", id);
            return id;
        }
        return ClusterIdZNode.decode(get(ClusterIdZNode.PATH)
                .orElseThrow(() -> new ZkStoreException(
                        "Cluster id vanished", KeeperException.Code.NONODE, ClusterIdZNode.PATH, -1, null))
                .data());
    }

    /**
     * Registers {@code broker} as the ephemeral {@code /brokers/ids/N} of this session.
     *
     * @return the broker with its broker epoch (the registration's czxid)
     * @throws ZkStoreException with {@code NODEEXISTS} and a clear message if a broker with that id is registered
     */
    public BrokerInfo registerBroker(BrokerInfo broker, long timestampMs) {
        String path = BrokerIdZNode.path(broker.id());
        try {
            Stat stat = create(path, BrokerIdZNode.encode(broker, timestampMs), CreateMode.EPHEMERAL);
            return broker.withBrokerEpoch(stat.getCzxid());
        } catch (ZkStoreException e) {
            if (e.isNodeExists()) {
                throw new ZkStoreException(
                        "Broker id " + broker.id() + " is already registered at " + path
                                + " by another live broker; broker ids must be unique",
                        KeeperException.Code.NODEEXISTS,
                        path,
                        -1,
                        e);
            }
            throw e;
        }
    }

    /**
     * Claims the next block of {@code size} producer ids for {@code brokerId} by compare-and-set on
     * {@code /latest_producer_id_block}, retrying when another broker claims concurrently.
     *
     * @throws ZkStoreException if the claim keeps losing races ({@code maxAttempts} times) or ZooKeeper fails
     */
    public ProducerIdBlock claimProducerIdBlock(int brokerId, int size, int maxAttempts) {
        createIfAbsent(ProducerIdBlockZNode.PATH, new byte[0], CreateMode.PERSISTENT);
        ZkStoreException last = null;
        for (int attempt = 0; attempt < maxAttempts; attempt++) {
            ZkNode node = get(ProducerIdBlockZNode.PATH)
                    .orElseThrow(() -> new ZkStoreException(
                            "Producer id block znode vanished",
                            KeeperException.Code.NONODE,
                            ProducerIdBlockZNode.PATH,
                            -1,
                            null));
            ProducerIdBlock previous = ProducerIdBlockZNode.decode(node.data()).orElse(null);
            ProducerIdBlock next = ProducerIdBlock.next(previous, brokerId, size);
            try {
                setData(ProducerIdBlockZNode.PATH, ProducerIdBlockZNode.encode(next), node.zkVersion());
                log.debug(
                        "[Broker {}] claimed producer ids {}..{}",
                        brokerId,
                        next.firstProducerId(),
                        next.lastProducerId());
                return next;
            } catch (ZkStoreException e) {
                if (!e.isBadVersion()) {
                    throw e;
                }
                last = e;
            }
        }
        throw new ZkStoreException(
                "Could not claim a producer id block in " + maxAttempts + " attempts",
                KeeperException.Code.BADVERSION,
                ProducerIdBlockZNode.PATH,
                -1,
                last);
    }

    /** The registered broker {@code id} with its epoch, empty if not registered. */
    public Optional<BrokerInfo> broker(int id) {
        return get(BrokerIdZNode.path(id)).map(n -> BrokerIdZNode.decode(id, n.data(), n.czxid()));
    }

    /** All registered brokers by id (a broker that leaves between listing and reading is skipped). */
    public Map<Integer, BrokerInfo> brokers() {
        Map<Integer, BrokerInfo> out = new TreeMap<>();
        for (String child : children(ZkPaths.BROKER_IDS)) {
            BrokerIdZNode.parseBrokerId(child).flatMap(this::broker).ifPresent(b -> out.put(b.id(), b));
        }
        return out;
    }

    /** The controller's broker id, empty when no controller is elected. */
    public Optional<Integer> controllerId() {
        return get(ControllerZNode.PATH).map(n -> ControllerZNode.decode(n.data()));
    }

    /** The controller epoch and its zkVersion (the fencing token), empty before the first election. */
    public Optional<Versioned<Integer>> controllerEpoch() {
        return get(ControllerEpochZNode.PATH)
                .map(n -> new Versioned<>(ControllerEpochZNode.decode(n.data()), n.zkVersion()));
    }

    /** The names of all topics, sorted. */
    public List<String> topicNames() {
        return children(ZkPaths.BROKER_TOPICS);
    }

    /** A topic's assignment and the zkVersion of its znode, empty if the topic does not exist. */
    public Optional<Versioned<TopicMetadata>> topic(String topic) {
        return get(TopicZNode.path(topic)).map(n -> new Versioned<>(TopicZNode.decode(topic, n.data()), n.zkVersion()));
    }

    /** A partition's state; its partition epoch is the state znode's zkVersion. Empty if absent. */
    public Optional<LeaderAndIsr> partitionState(TopicPartition tp) {
        return get(TopicPartitionStateZNode.path(tp))
                .map(n -> TopicPartitionStateZNode.decode(tp, n.data(), n.zkVersion()));
    }

    /** The config overrides of an entity ({@link ConfigEntityZNode} path); empty map if the znode is absent. */
    public Map<String, String> entityConfig(String path) {
        return get(path).map(n -> ConfigEntityZNode.decode(path, n.data())).orElse(Map.of());
    }

    /** The config overrides of {@code topic}; empty map if none. */
    public Map<String, String> topicConfig(String topic) {
        return entityConfig(ConfigEntityZNode.topicPath(topic));
    }

    /** The topics queued for deletion under {@code /admin/delete_topics}, sorted. */
    public List<String> topicsPendingDeletion() {
        return children(ZkPaths.DELETE_TOPICS);
    }
}
