package io.sluice.broker.config;

import io.sluice.metadata.concurrent.GuardedScheduledExecutor;
import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.config.ConfigException;
import io.sluice.metadata.config.DynamicBrokerConfig;
import io.sluice.metadata.config.TopicConfig;
import io.sluice.metadata.zk.ConfigEntityZNode;
import io.sluice.metadata.zk.ZkDataException;
import io.sluice.metadata.zk.ZkNode;
import io.sluice.metadata.zk.ZkPaths;
import io.sluice.metadata.zk.ZkStore;
import io.sluice.metadata.zk.ZkStoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the effective dynamic configuration of this broker from ZooKeeper: this broker's own dynamic values
 * ({@code /config/brokers/N}), the cluster-wide broker defaults ({@code /config/brokers/<default>}) and the overrides
 * of every topic ({@code /config/topics/T}), resolved to one {@link TopicConfig} per topic:
 * {@code TopicConfig.resolve(static broker config + dynamic defaults + per-broker values, overrides)}. A topic without a
 * config znode gets the broker defaults. Changes are pushed to {@link TopicConfigListener}s.
 *
 * <pre>
 *  NEW ─start()─▶ RUNNING ─close()─▶ CLOSED
 *   └──────────── close() ──────────────┘
 * </pre>
 *
 * <p><b>Watches.</b> ZooKeeper watches are one-shot: a data watch on the two broker znodes and on each topic's config
 * znode, and a children watch on {@code /config/topics} (new and removed topics). Each armed watch is remembered with
 * a token; when it fires the znode is read again and the watch re-armed, and a watch whose token is no longer current
 * (armed before a reconnection) only causes a plain read, so duplicate watchers die out instead of multiplying. On
 * {@code RECONNECTED} (which follows a session expiry, after which every watch is gone) everything is re-read and
 * re-armed; a ZooKeeper failure while reading schedules a full re-read after {@code retryBackoff}.
 *
 * <p><b>Malformed data.</b> A config znode that does not decode, or whose values are invalid (unknown key, bad
 * value), is logged with its path and ignored: the previous value of that znode stays in effect (none if there was
 * none).
 *
 * <p><b>Concurrency.</b> ZooKeeper watch callbacks and Curator connection events only enqueue work onto one private
 * single-thread executor; that thread alone reads the znodes, owns the watch bookkeeping, builds new snapshots and
 * calls the listeners. Readers on any thread see an immutable {@code Snapshot} through one volatile field that the
 * executor swaps; {@link #start()} runs the initial load on the executor and waits for it. The lifecycle is an atomic
 * enum.
 */
public final class ConfigManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConfigManager.class);
    private static final String DEFAULTS_PATH = ConfigEntityZNode.brokerDefaultPath();
    private static final String TOPICS_CHILDREN_KEY = "children:" + ZkPaths.CONFIG_TOPICS;

    private enum Lifecycle {
        NEW,
        RUNNING,
        CLOSED
    }

    /** A topic's last good overrides and the effective config resolved from them. */
    private record TopicEntry(Map<String, String> overrides, TopicConfig effective) {}

    /** Everything readers see, swapped as a whole. */
    private record Snapshot(
            DynamicBrokerConfig dynamic,
            BrokerConfig effectiveBroker,
            TopicConfig defaultTopicConfig,
            Map<String, TopicEntry> topics) {

        Snapshot withTopics(Map<String, TopicEntry> newTopics) {
            return new Snapshot(dynamic, effectiveBroker, defaultTopicConfig, Map.copyOf(newTopics));
        }
    }

    private final BrokerConfig staticConfig;
    private final ZkStore store;
    private final Duration retryBackoff;
    private final String logPrefix;
    /** This broker's own dynamic config znode, {@code /config/brokers/N}. */
    private final String brokerPath;

    private final ScheduledExecutorService executor;
    private final List<TopicConfigListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.NEW);
    private final ConnectionStateListener connectionListener = (client, state) -> onConnectionState(state);

    private volatile Snapshot snapshot;

    /** Confined to the executor: the token of the currently armed watch per path (or children key). */
    private final Map<String, Object> armed = new HashMap<>();
    /** Confined to the executor: whether a full re-read is already scheduled. */
    private boolean retryPending;

    /**
     * @param staticConfig this broker's config from its properties file
     * @param store the ZooKeeper facade over a started Curator client (owned by the caller)
     * @param retryBackoff delay before re-reading everything after a ZooKeeper failure
     */
    public ConfigManager(BrokerConfig staticConfig, ZkStore store, Duration retryBackoff) {
        this.staticConfig = Objects.requireNonNull(staticConfig, "staticConfig");
        this.store = Objects.requireNonNull(store, "store");
        this.retryBackoff = Objects.requireNonNull(retryBackoff, "retryBackoff");
        this.logPrefix = "[ConfigManager broker=" + staticConfig.brokerId() + "]";
        this.brokerPath = ConfigEntityZNode.brokerPath(staticConfig.brokerId());
        this.snapshot = new Snapshot(
                DynamicBrokerConfig.NONE, staticConfig, TopicConfig.resolve(staticConfig, Map.of()), Map.of());
        this.executor = GuardedScheduledExecutor.singleThread("sluice-config-" + staticConfig.brokerId());
    }

    /** With a one-second retry backoff. */
    public ConfigManager(BrokerConfig staticConfig, ZkStore store) {
        this(staticConfig, store, Duration.ofSeconds(1));
    }

    /**
     * Reads the defaults and every topic's config (blocking), arms the watches and starts following changes.
     * Listeners are not called for what the initial load finds.
     *
     * @throws ZkStoreException if ZooKeeper fails during the initial load (the manager is then closed)
     * @throws IllegalStateException if called twice or after close
     */
    public void start() {
        if (!lifecycle.compareAndSet(Lifecycle.NEW, Lifecycle.RUNNING)) {
            throw new IllegalStateException(logPrefix + " start() called in state " + lifecycle.get());
        }
        store.curator().getConnectionStateListenable().addListener(connectionListener, executor);
        Future<?> initialLoad = executor.submit(() -> reloadAll(false));
        try {
            initialLoad.get();
        } catch (ExecutionException e) {
            close();
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(logPrefix + " initial config load failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException(logPrefix + " interrupted during the initial config load", e);
        }
        Snapshot s = snapshot;
        log.info(
                "{} started: {} dynamic broker defaults, {} per-broker dynamic values, {} topics with config overrides",
                logPrefix,
                s.dynamic().clusterDefaults().size(),
                s.dynamic().perBroker().size(),
                s.topics().size());
    }

    /** The effective config of {@code topic}: its overrides over the broker defaults (just the defaults if none). */
    public TopicConfig topicConfig(String topic) {
        Snapshot s = snapshot;
        TopicEntry entry = s.topics().get(topic);
        return entry != null ? entry.effective() : s.defaultTopicConfig();
    }

    /** The overrides of {@code topic} in effect (last good value of its znode), empty if none. */
    public Map<String, String> topicOverrides(String topic) {
        TopicEntry entry = snapshot.topics().get(topic);
        return entry != null ? entry.overrides() : Map.of();
    }

    /** The topics that have a valid config znode. */
    public Set<String> topicsWithConfig() {
        return snapshot.topics().keySet();
    }

    /** The cluster-wide dynamic defaults in effect (last good value of {@code /config/brokers/<default>}). */
    public Map<String, String> dynamicBrokerDefaults() {
        return snapshot.dynamic().clusterDefaults();
    }

    /** Both dynamic levels in effect: this broker's own values over the cluster-wide defaults. */
    public DynamicBrokerConfig dynamicBrokerConfig() {
        return snapshot.dynamic();
    }

    /** This broker's config from its properties file. */
    public BrokerConfig staticBrokerConfig() {
        return staticConfig;
    }

    /** The static config with the dynamic defaults and this broker's dynamic values applied. */
    public BrokerConfig effectiveBrokerConfig() {
        return snapshot.effectiveBroker();
    }

    /** Adds a listener for changes read after this call. */
    public void addListener(TopicConfigListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(TopicConfigListener listener) {
        listeners.remove(listener);
    }

    /** Stops following changes; the last snapshot stays readable. Does not close the Curator client. Idempotent. */
    @Override
    public void close() {
        if (lifecycle.getAndSet(Lifecycle.CLOSED) == Lifecycle.CLOSED) {
            return;
        }
        store.curator().getConnectionStateListenable().removeListener(connectionListener);
        executor.shutdownNow();
        log.info("{} closed", logPrefix);
    }

    // ---- event plumbing (callbacks on ZooKeeper threads only enqueue)

    private void enqueue(Runnable task) {
        if (lifecycle.get() != Lifecycle.RUNNING) {
            return;
        }
        try {
            executor.execute(() -> runEvent(task));
        } catch (RejectedExecutionException e) {
            log.debug("{} dropping a config event after close", logPrefix);
        }
    }

    /** Runs one event on the executor; ZooKeeper failures schedule a full re-read. */
    private void runEvent(Runnable task) {
        if (lifecycle.get() != Lifecycle.RUNNING) {
            return;
        }
        try {
            task.run();
        } catch (ZkStoreException e) {
            log.warn(
                    "{} reading configs from ZooKeeper failed ({}); re-reading everything in {} ms",
                    logPrefix,
                    e.getMessage(),
                    retryBackoff.toMillis());
            scheduleRetry();
        } catch (RuntimeException e) {
            log.error("{} unexpected failure while applying config changes", logPrefix, e);
        }
    }

    private void scheduleRetry() {
        if (retryPending) {
            return;
        }
        retryPending = true;
        try {
            executor.schedule(
                    () -> {
                        retryPending = false;
                        runEvent(() -> reloadAll(true));
                    },
                    retryBackoff.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            log.debug("{} not scheduling a re-read after close", logPrefix);
        }
    }

    /** Runs on the executor (the listener is registered with it). */
    private void onConnectionState(ConnectionState state) {
        if (state == ConnectionState.RECONNECTED) {
            log.info("{} reconnected to ZooKeeper; re-reading configs and re-arming watches", logPrefix);
            runEvent(() -> {
                armed.clear();
                reloadAll(true);
            });
        }
    }

    private void onDataWatchFired(String path, Object token) {
        armed.remove(path, token);
        if (path.equals(DEFAULTS_PATH) || path.equals(brokerPath)) {
            reloadBrokerLevels(true);
        } else {
            reloadTopic(ZkPaths.lastSegment(path), true);
        }
    }

    private void onChildrenWatchFired(Object token) {
        armed.remove(TOPICS_CHILDREN_KEY, token);
        reloadTopicList(false, true);
    }

    /** Reads {@code path}, arming a data watch unless one is armed already. */
    private Optional<ZkNode> readWatched(String path) {
        if (armed.containsKey(path)) {
            return store.get(path);
        }
        Object token = new Object();
        Optional<ZkNode> node = store.watchData(path, () -> enqueue(() -> onDataWatchFired(path, token)));
        armed.put(path, token);
        return node;
    }

    private List<String> childrenWatched() {
        if (armed.containsKey(TOPICS_CHILDREN_KEY)) {
            return store.children(ZkPaths.CONFIG_TOPICS);
        }
        Object token = new Object();
        List<String> children =
                store.watchChildren(ZkPaths.CONFIG_TOPICS, () -> enqueue(() -> onChildrenWatchFired(token)));
        armed.put(TOPICS_CHILDREN_KEY, token);
        return children;
    }

    // ---- reading and applying (executor thread only)

    private void reloadAll(boolean notify) {
        reloadBrokerLevels(notify);
        reloadTopicList(true, notify);
    }

    /**
     * Reads both broker znodes; a malformed one keeps its previous level in effect. Applies the result, re-resolving
     * every topic, if either level changed.
     */
    private void reloadBrokerLevels(boolean notify) {
        Snapshot current = snapshot;
        DynamicBrokerConfig dynamic = current.dynamic()
                .withClusterDefaults(readLevel(DEFAULTS_PATH, current.dynamic().clusterDefaults()))
                .withPerBroker(readLevel(brokerPath, current.dynamic().perBroker()));
        BrokerConfig effectiveBroker;
        TopicConfig defaultTopic;
        try {
            effectiveBroker = dynamic.applyTo(staticConfig);
            defaultTopic = TopicConfig.resolve(effectiveBroker, Map.of());
        } catch (ConfigException e) {
            log.warn(
                    "{} ignoring dynamic broker values {} that do not combine with the static config; keeping the"
                            + " previous ones: {}",
                    logPrefix,
                    dynamic,
                    e.getMessage());
            return;
        }
        applyBrokerLevels(dynamic, effectiveBroker, defaultTopic, notify);
    }

    /** The decoded, validated content of broker znode {@code path} (watched), or {@code previous} if malformed. */
    private Map<String, String> readLevel(String path, Map<String, String> previous) {
        Optional<ZkNode> node = readWatched(path);
        try {
            Map<String, String> values = Map.copyOf(
                    node.map(n -> ConfigEntityZNode.decode(path, n.data())).orElse(Map.of()));
            BrokerConfig.validateDynamicDefaults(values);
            return values;
        } catch (ZkDataException | ConfigException e) {
            log.warn(
                    "{} ignoring malformed config znode {}; keeping its previous values: {}",
                    logPrefix,
                    path,
                    e.getMessage());
            return previous;
        }
    }

    private void applyBrokerLevels(
            DynamicBrokerConfig dynamic, BrokerConfig effectiveBroker, TopicConfig defaultTopic, boolean notify) {
        Snapshot before = snapshot;
        if (dynamic.equals(before.dynamic())) {
            return;
        }
        Map<String, TopicEntry> topics = new HashMap<>();
        List<String> changed = new ArrayList<>();
        before.topics().forEach((topic, entry) -> {
            TopicConfig effective;
            try {
                effective = TopicConfig.resolve(effectiveBroker, entry.overrides());
            } catch (ConfigException e) {
                log.warn(
                        "{} the overrides of topic {} conflict with the new broker defaults; keeping its previous"
                                + " config: {}",
                        logPrefix,
                        topic,
                        e.getMessage());
                effective = entry.effective();
            }
            topics.put(topic, new TopicEntry(entry.overrides(), effective));
            if (!effective.values().equals(entry.effective().values())) {
                changed.add(topic);
            }
        });
        snapshot = new Snapshot(dynamic, effectiveBroker, defaultTopic, Map.copyOf(topics));
        log.info(
                "{} dynamic broker values are now {} (this broker) over {} (cluster-wide defaults)",
                logPrefix,
                dynamic.perBroker(),
                dynamic.clusterDefaults());
        if (notify) {
            for (TopicConfigListener listener : listeners) {
                try {
                    listener.onBrokerDefaultsChanged(effectiveBroker);
                } catch (RuntimeException e) {
                    log.error("{} config listener {} failed on new broker defaults", logPrefix, listener, e);
                }
            }
            changed.forEach(topic -> fireTopicChanged(topic, topics.get(topic).effective()));
        }
    }

    /** Reads the children of {@code /config/topics}: drops removed topics, reads new ones (or all). */
    private void reloadTopicList(boolean rereadAll, boolean notify) {
        Set<String> children = new HashSet<>(childrenWatched());
        for (String topic : Set.copyOf(snapshot.topics().keySet())) {
            if (!children.contains(topic)) {
                removeTopic(topic, notify);
            }
        }
        Set<String> known = snapshot.topics().keySet();
        for (String topic : children) {
            if (rereadAll || !known.contains(topic)) {
                reloadTopic(topic, notify);
            }
        }
    }

    private void reloadTopic(String topic, boolean notify) {
        String path = ConfigEntityZNode.topicPath(topic);
        // arm no existence watch for a removed topic: the children watch reports it if it comes back
        Optional<ZkNode> node =
                armed.containsKey(path) || store.exists(path).isPresent() ? readWatched(path) : Optional.empty();
        if (node.isEmpty()) {
            removeTopic(topic, notify);
            return;
        }
        Snapshot before = snapshot;
        Map<String, String> overrides;
        TopicConfig effective;
        try {
            overrides = Map.copyOf(ConfigEntityZNode.decode(path, node.get().data()));
            effective = TopicConfig.resolve(before.effectiveBroker(), overrides);
        } catch (ZkDataException | ConfigException e) {
            log.warn(
                    "{} ignoring malformed config znode {}; keeping the previous config of topic {}: {}",
                    logPrefix,
                    path,
                    topic,
                    e.getMessage());
            return;
        }
        TopicEntry previous = before.topics().get(topic);
        if (previous != null && previous.overrides().equals(overrides)) {
            return;
        }
        Map<String, TopicEntry> topics = new HashMap<>(before.topics());
        topics.put(topic, new TopicEntry(overrides, effective));
        snapshot = before.withTopics(topics);
        log.info("{} config overrides of topic {} are now {}", logPrefix, topic, overrides);
        TopicConfig previousEffective = previous != null ? previous.effective() : before.defaultTopicConfig();
        if (notify && !previousEffective.values().equals(effective.values())) {
            fireTopicChanged(topic, effective);
        }
    }

    private void removeTopic(String topic, boolean notify) {
        armed.remove(ConfigEntityZNode.topicPath(topic));
        Snapshot before = snapshot;
        TopicEntry previous = before.topics().get(topic);
        if (previous == null) {
            return;
        }
        Map<String, TopicEntry> topics = new HashMap<>(before.topics());
        topics.remove(topic);
        snapshot = before.withTopics(topics);
        log.info("{} config znode of topic {} is gone; it now uses the broker defaults", logPrefix, topic);
        if (notify
                && !previous.effective()
                        .values()
                        .equals(before.defaultTopicConfig().values())) {
            fireTopicChanged(topic, before.defaultTopicConfig());
        }
    }

    private void fireTopicChanged(String topic, TopicConfig effective) {
        for (TopicConfigListener listener : listeners) {
            try {
                listener.onTopicConfigChanged(topic, effective);
            } catch (RuntimeException e) {
                log.error("{} config listener {} failed on topic {}", logPrefix, listener, topic, e);
            }
        }
    }
}
