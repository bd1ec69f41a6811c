package io.sluice.broker.config;

import io.sluice.metadata.zk.ConfigEntityZNode;
import io.sluice.metadata.zk.TopicZNode;
import io.sluice.metadata.zk.Versioned;
import io.sluice.metadata.zk.ZkNode;
import io.sluice.metadata.zk.ZkStore;
import io.sluice.metadata.zk.ZkStoreException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and read-modify-writes of config entity znodes ({@code /config/topics/T}, {@code /config/brokers/<default>}, format
 * in {@link ConfigEntityZNode}) with a compare-and-set on its zkVersion, so concurrent admin calls on any brokers never
 * lose each other's keys. An absent znode is created (a concurrent creator makes the create fail with
 * {@code NODEEXISTS}, which is retried like a {@code BADVERSION}).
 *
 * <p>Because a retry re-reads the znode and applies the change again, changes must be functions of the current
 * overrides (set, delete, append, subtract all are); a {@code BADVERSION} after a lost connection whose first attempt
 * did succeed is therefore harmless.
 *
 * <p>Concurrency: stateless over the thread-safe {@link ZkStore}; any thread may call it.
 */
public final class ConfigEntityStore {
    private static final Logger log = LoggerFactory.getLogger(ConfigEntityStore.class);

    /** The zkVersion reported for an absent znode. */
    public static final int ABSENT = -1;

    private final ZkStore store;
    private final int maxAttempts;

    /**
     * @param store the ZooKeeper facade
     * @param maxAttempts how many read-modify-write rounds to try before giving up on concurrent writers
     */
    public ConfigEntityStore(ZkStore store, int maxAttempts) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1: " + maxAttempts);
        }
        this.store = Objects.requireNonNull(store, "store");
        this.maxAttempts = maxAttempts;
    }

    /** With five attempts. */
    public ConfigEntityStore(ZkStore store) {
        this(store, 5);
    }

    /**
     * The overrides stored at {@code path} and the znode's zkVersion ({@link #ABSENT} and an empty map if absent).
     *
     * @throws io.sluice.metadata.zk.ZkDataException if the znode is malformed
     * @throws ZkStoreException if ZooKeeper fails
     */
    public Versioned<Map<String, String>> read(String path) {
        Optional<ZkNode> node = store.get(path);
        if (node.isEmpty()) {
            return new Versioned<>(Map.of(), ABSENT);
        }
        return new Versioned<>(
                Map.copyOf(ConfigEntityZNode.decode(path, node.get().data())),
                node.get().zkVersion());
    }

    /** Whether {@code topic} exists ({@code /brokers/topics/T}), read from ZooKeeper now. */
    public boolean topicExists(String topic) {
        return store.exists(TopicZNode.path(topic)).isPresent();
    }

    /**
     * Applies {@code change} to the current overrides at {@code path} and, unless {@code dryRun}, writes the result
     * with a compare-and-set, re-reading and re-applying on a concurrent write. Nothing is written when the result
     * equals the current overrides.
     *
     * @param change the new overrides as a function of the current ones; it validates and may throw (for example a
     *     {@link io.sluice.metadata.config.ConfigException}), in which case nothing is written
     * @return the overrides in effect after the call (what was written, or would have been for a dry run)
     * @throws ConcurrentConfigUpdateException if every attempt lost a race
     * @throws io.sluice.metadata.zk.ZkDataException if the znode is malformed
     * @throws ZkStoreException if ZooKeeper fails
     */
    public Map<String, String> update(String path, UnaryOperator<Map<String, String>> change, boolean dryRun) {
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            Versioned<Map<String, String>> current = read(path);
            Map<String, String> next = Map.copyOf(change.apply(current.value()));
            if (dryRun || next.equals(current.value())) {
                return next;
            }
            byte[] data = ConfigEntityZNode.encode(new TreeMap<>(next));
            try {
                if (current.zkVersion() == ABSENT) {
                    if (store.createIfAbsent(path, data, CreateMode.PERSISTENT)) {
                        return next;
                    }
                } else {
                    store.setData(path, data, current.zkVersion());
                    return next;
                }
            } catch (ZkStoreException e) {
                if (!e.isBadVersion() && !e.isNoNode()) {
                    throw e;
                }
            }
            log.debug("Config znode {} changed concurrently (attempt {} of {}); retrying", path, attempt, maxAttempts);
        }
        throw new ConcurrentConfigUpdateException(
                "Config znode " + path + " was changed concurrently " + maxAttempts + " times in a row; retry");
    }

    /** Every read-modify-write round of {@link #update} lost a race with another writer. */
    public static final class ConcurrentConfigUpdateException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public ConcurrentConfigUpdateException(String message) {
            super(message);
        }
    }
}
