package io.sluice.broker.registration;

import io.sluice.metadata.concurrent.GuardedScheduledExecutor;
import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.Endpoint;
import io.sluice.metadata.zk.BrokerIdZNode;
import io.sluice.metadata.zk.ZkDataException;
import io.sluice.metadata.zk.ZkNode;
import io.sluice.metadata.zk.ZkStore;
import io.sluice.metadata.zk.ZkStoreException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this broker registered as the ephemeral {@code /brokers/ids/N} (docs/design.md#broker-registration) and knows its broker epoch,
 * the czxid of that znode.
 *
 * <pre>
 *  NEW ─register()─▶ REGISTERED ─close()─▶ CLOSED
 *   │                    │
 *   └─ duplicate id ─────┴─ duplicate id after a new session ─▶ FAILED (fatal handler called)
 * </pre>
 *
 * <p><b>Session changes.</b> While ZooKeeper is unreachable ({@code SUSPENDED}, {@code LOST}) the broker keeps
 * serving with its last known metadata; this is logged once per outage. When Curator reconnects with a session other
 * than the one that owns our registration, the broker re-registers: a znode for our id owned by our previous session
 * is stale and deleted, one owned by another live session is a duplicate broker, which fails this broker through the
 * fatal handler. Every successful re-registration yields a new broker epoch, published through {@link #brokerEpoch()}
 * and to the {@link BrokerEpochListener}s. A failed re-registration attempt (ZooKeeper trouble) is retried after
 * {@code retryBackoff} for as long as the session still differs.
 *
 * <p><b>Concurrency.</b> {@link #register()} runs on the caller's thread before any connection-state event is
 * handled; afterwards all registration work (Curator connection events, retries, listener callbacks) runs on one
 * private scheduler thread. The broker epoch and the registered broker are published through volatile fields; the
 * lifecycle is an atomic enum.
 */
public final class BrokerRegistration implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerRegistration.class);
    private static final int MAX_CREATE_ATTEMPTS = 5;

    private enum Lifecycle {
        NEW,
        REGISTERED,
        FAILED,
        CLOSED
    }

    private final ZkStore store;
    private final BrokerInfo broker;
    private final Clock clock;
    private final Consumer<Throwable> fatalHandler;
    private final Duration retryBackoff;
    private final Duration staleHolderWait;
    private final HolderProbe holderProbe;
    private final String logPrefix;
    private final String path;
    private final ScheduledExecutorService executor;
    private final List<BrokerEpochListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.NEW);
    private final ConnectionStateListener connectionListener = (client, state) -> onConnectionState(state);

    private volatile BrokerInfo registered;
    private volatile long brokerEpoch = BrokerInfo.UNKNOWN_EPOCH;
    /** The ZooKeeper session owning our znode; written by register() and then only on the executor. */
    private volatile long registeredSession;
    /** Confined to the executor: whether the current outage has been logged. */
    private boolean outageLogged;

    /**
     * @param store the ZooKeeper facade over a started Curator client (owned by the caller)
     * @param broker this broker: id, advertised endpoints, rack (its epoch is ignored)
     * @param clock source of the registration timestamp
     * @param fatalHandler called once, on the registration thread, when a duplicate broker id is found after a
     *     session change: the broker must stop
     * @param retryBackoff delay before retrying a re-registration that failed on ZooKeeper trouble
     */
    public BrokerRegistration(
            ZkStore store, BrokerInfo broker, Clock clock, Consumer<Throwable> fatalHandler, Duration retryBackoff) {
        this(store, broker, clock, fatalHandler, retryBackoff, Duration.ZERO, HolderProbe.TCP);
    }

    /**
     * @param staleHolderWait how long the first registration waits for a znode held by a dead previous incarnation
     *     of this broker (a restart right after a crash, before ZooKeeper expired the old session) to disappear;
     *     use the ZooKeeper session timeout plus a margin. {@link Duration#ZERO} fails at once.
     * @param holderProbe tells whether the holder of our id is certainly gone (its endpoints refuse connections)
     * @see #BrokerRegistration(ZkStore, BrokerInfo, Clock, Consumer, Duration)
     */
    public BrokerRegistration(
            ZkStore store,
            BrokerInfo broker,
            Clock clock,
            Consumer<Throwable> fatalHandler,
            Duration retryBackoff,
            Duration staleHolderWait,
            HolderProbe holderProbe) {
        this.staleHolderWait = Objects.requireNonNull(staleHolderWait, "staleHolderWait");
        this.holderProbe = Objects.requireNonNull(holderProbe, "holderProbe");
        this.store = Objects.requireNonNull(store, "store");
        this.broker = Objects.requireNonNull(broker, "broker");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.fatalHandler = Objects.requireNonNull(fatalHandler, "fatalHandler");
        this.retryBackoff = Objects.requireNonNull(retryBackoff, "retryBackoff");
        this.logPrefix = "[BrokerRegistration broker=" + broker.id() + "]";
        this.path = BrokerIdZNode.path(broker.id());
        this.executor = GuardedScheduledExecutor.singleThread("sluice-registration-" + broker.id());
    }

    /** With a one-second retry backoff. */
    public BrokerRegistration(ZkStore store, BrokerInfo broker, Clock clock, Consumer<Throwable> fatalHandler) {
        this(store, broker, clock, fatalHandler, Duration.ofSeconds(1));
    }

    /**
     * Registers the broker (blocking) and starts following session changes.
     *
     * @return the registered broker with its broker epoch
     * @throws BrokerIdConflictException if another live broker holds our id
     * @throws ZkStoreException if ZooKeeper fails
     * @throws IllegalStateException if called twice or after close
     */
    public BrokerInfo register() {
        if (lifecycle.get() != Lifecycle.NEW) {
            throw new IllegalStateException(logPrefix + " register() called in state " + lifecycle.get());
        }
        BrokerInfo result = registerOnce(0L);
        if (!lifecycle.compareAndSet(Lifecycle.NEW, Lifecycle.REGISTERED)) {
            throw new IllegalStateException(logPrefix + " closed while registering");
        }
        log.info(
                "{} registered at {} with broker epoch {} (session 0x{})",
                logPrefix,
                path,
                result.brokerEpoch(),
                Long.toHexString(registeredSession));
        store.curator().getConnectionStateListenable().addListener(connectionListener, executor);
        // a session change between the create and the listener registration would otherwise go unnoticed
        executor.execute(this::reregisterIfSessionChanged);
        return result;
    }

    /** The current broker epoch, {@code -1} before the first registration. */
    public long brokerEpoch() {
        return brokerEpoch;
    }

    /** The broker as last registered (with its epoch), empty before the first registration. */
    public Optional<BrokerInfo> registered() {
        return Optional.ofNullable(registered);
    }

    /** Adds a listener for new broker epochs (not called for registrations that happened before). */
    public void addListener(BrokerEpochListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Stops following session changes and removes our registration if this session still owns it, so the
     * controller sees the broker leave at once. Does not close the Curator client. Idempotent.
     */
    @Override
    public void close() {
        Lifecycle previous = lifecycle.getAndSet(Lifecycle.CLOSED);
        if (previous == Lifecycle.CLOSED) {
            return;
        }
        store.curator().getConnectionStateListenable().removeListener(connectionListener);
        executor.shutdownNow();
        if (previous == Lifecycle.REGISTERED) {
            deregister();
        }
    }

    private void deregister() {
        try {
            Optional<ZkNode> node = store.get(path);
            if (node.isPresent() && node.get().ephemeralOwner() == sessionId()) {
                store.delete(path, node.get().zkVersion());
                log.info("{} deregistered {}", logPrefix, path);
            }
        } catch (ZkStoreException | IllegalStateException e) {
            log.warn(
                    "{} could not remove {} on close; it goes away with the session: {}",
                    logPrefix,
                    path,
                    e.toString());
        }
    }

    // ------------------------------------------------------------------ registration work

    /**
     * Makes our znode exist for the current session, deciding about an existing one with {@link RegistrationAction}.
     * Updates the epoch fields; the caller notifies listeners.
     */
    private BrokerInfo registerOnce(long previousSession) {
        long waitDeadline = System.nanoTime() + staleHolderWait.toNanos();
        boolean waitLogged = false;
        for (int attempt = 1; ; attempt++) {
            long session = sessionId();
            Optional<ZkNode> existing = store.get(path);
            RegistrationAction action = RegistrationAction.decide(
                    existing.map(n -> OptionalLong.of(n.ephemeralOwner())).orElse(OptionalLong.empty()),
                    previousSession,
                    session);
            switch (action) {
                case DUPLICATE -> {
                    ZkNode holder = existing.get();
                    if (previousSession != 0 || System.nanoTime() - waitDeadline >= 0 || !holderIsDead(holder)) {
                        throw new BrokerIdConflictException(broker.id(), describeHolder(holder), null);
                    }
                    if (!waitLogged) {
                        waitLogged = true;
                        log.warn(
                                "{} {} is held by {}, that is certainly not running (its endpoints refuse connections or are our own): a previous incarnation"
                                        + " of this broker whose session has not expired yet; waiting up to {} for"
                                        + " it to go",
                                logPrefix,
                                path,
                                describeHolder(holder),
                                staleHolderWait);
                    }
                    awaitChange(holder, waitDeadline);
                    attempt = 0;
                    continue;
                }
                case ADOPT -> {
                    return publish(existing.get().czxid(), session);
                }
                case DELETE_STALE_AND_CREATE -> deleteStale(existing.get());
                case CREATE -> {}
            }
            try {
                BrokerInfo created = store.registerBroker(broker, clock.millis());
                long owner = store.get(path)
                        .filter(n -> n.czxid() == created.brokerEpoch())
                        .map(ZkNode::ephemeralOwner)
                        .orElse(session);
                return publish(created.brokerEpoch(), owner);
            } catch (ZkStoreException e) {
                // NODEEXISTS: a create whose response was lost, a stale node, or a rival; decide again from its owner
                if (!e.isNodeExists() && !e.isNoNode() || attempt >= MAX_CREATE_ATTEMPTS) {
                    throw e;
                }
                log.debug("{} create of {} raced ({}); re-reading", logPrefix, path, e.getMessage());
            }
        }
    }

    /** Whether the broker registered in {@code holder} is certainly not running (an unreadable node is not). */
    private boolean holderIsDead(ZkNode holder) {
        try {
            return holderProbe.isCertainlyDead(BrokerIdZNode.decode(broker.id(), holder.data(), holder.czxid()));
        } catch (ZkDataException e) {
            return false;
        }
    }

    /** Blocks until {@code holder}'s znode changes or goes, or the deadline (whichever is first), bounded to 1 s. */
    private void awaitChange(ZkNode holder, long deadlineNanos) {
        CountDownLatch changed = new CountDownLatch(1);
        Optional<ZkNode> current = store.watchData(path, changed::countDown);
        if (current.isEmpty() || current.get().czxid() != holder.czxid()) {
            return;
        }
        long waitNanos = Math.min(Duration.ofSeconds(1).toNanos(), deadlineNanos - System.nanoTime());
        try {
            changed.await(Math.max(0, waitNanos), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(logPrefix + " interrupted while waiting for " + path, e);
        }
    }

    private void deleteStale(ZkNode stale) {
        log.warn(
                "{} removing stale registration {} (epoch {}) left by our expired session 0x{}",
                logPrefix,
                path,
                stale.czxid(),
                Long.toHexString(stale.ephemeralOwner()));
        try {
            store.delete(path, stale.zkVersion());
        } catch (ZkStoreException e) {
            if (!e.isNoNode() && !e.isBadVersion()) {
                throw e;
            }
        }
    }

    private BrokerInfo publish(long epoch, long session) {
        BrokerInfo result = broker.withBrokerEpoch(epoch);
        registeredSession = session;
        registered = result;
        brokerEpoch = epoch;
        return result;
    }

    private String describeHolder(ZkNode node) {
        String session = "session 0x" + Long.toHexString(node.ephemeralOwner());
        try {
            BrokerInfo holder = BrokerIdZNode.decode(broker.id(), node.data(), node.czxid());
            String addresses = holder.endpoints().stream()
                    .map(e -> e.host() + ":" + e.port())
                    .distinct()
                    .collect(Collectors.joining(", "));
            String listeners =
                    holder.endpoints().stream().map(Endpoint::connectionString).collect(Collectors.joining(","));
            return "at " + addresses + ", endpoints " + listeners + ", " + session;
        } catch (ZkDataException e) {
            return "unreadable registration, " + session;
        }
    }

    private long sessionId() {
        CuratorFramework curator = store.curator();
        try {
            return curator.getZookeeperClient().getZooKeeper().getSessionId();
        } catch (Exception e) {
            throw new IllegalStateException(logPrefix + " no ZooKeeper session available", e);
        }
    }

    // ------------------------------------------------------------------ on the executor

    private void onConnectionState(ConnectionState state) {
        switch (state) {
            case SUSPENDED, LOST -> {
                if (!outageLogged) {
                    outageLogged = true;
                    log.warn(
                            "{} ZooKeeper connection {}: serving with last known metadata until it is back",
                            logPrefix,
                            state);
                } else if (state == ConnectionState.LOST) {
                    log.warn("{} ZooKeeper session lost; will re-register once reconnected", logPrefix);
                }
            }
            case CONNECTED, RECONNECTED -> {
                if (outageLogged) {
                    log.info("{} ZooKeeper connection {}", logPrefix, state);
                }
                outageLogged = false;
                reregisterIfSessionChanged();
            }
            case READ_ONLY -> log.warn("{} ZooKeeper connection is read-only", logPrefix);
        }
    }

    private void reregisterIfSessionChanged() {
        if (lifecycle.get() != Lifecycle.REGISTERED) {
            return;
        }
        long previousSession = registeredSession;
        long previousEpoch = brokerEpoch;
        try {
            long session = sessionId();
            if (session == previousSession
                    || !store.curator().getZookeeperClient().isConnected()) {
                return;
            }
            log.info(
                    "{} new ZooKeeper session 0x{} (registered by 0x{}); re-registering",
                    logPrefix,
                    Long.toHexString(session),
                    Long.toHexString(previousSession));
            BrokerInfo result = registerOnce(previousSession);
            log.info(
                    "{} re-registered at {}: broker epoch {} -> {}",
                    logPrefix,
                    path,
                    previousEpoch,
                    result.brokerEpoch());
            for (BrokerEpochListener listener : listeners) {
                try {
                    listener.onBrokerEpochChanged(previousEpoch, result.brokerEpoch());
                } catch (RuntimeException e) {
                    log.error("{} broker epoch listener {} failed", logPrefix, listener, e);
                }
            }
        } catch (BrokerIdConflictException e) {
            if (lifecycle.compareAndSet(Lifecycle.REGISTERED, Lifecycle.FAILED)) {
                log.error("{} FATAL: {}", logPrefix, e.getMessage(), e);
                fatalHandler.accept(e);
            }
        } catch (ZkStoreException | IllegalStateException e) {
            log.warn(
                    "{} re-registration failed, retrying in {} ms: {}",
                    logPrefix,
                    retryBackoff.toMillis(),
                    e.toString());
            scheduleRetry();
        }
    }

    private void scheduleRetry() {
        try {
            executor.schedule(this::reregisterIfSessionChanged, retryBackoff.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            log.debug("{} closed; not retrying", logPrefix);
        }
    }
}
