package io.sluice.broker.quota;

import io.sluice.metadata.concurrent.GuardedScheduledExecutor;
import io.sluice.metadata.zk.ZkPaths;
import io.sluice.metadata.zk.ZkStoreException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client quotas of the cluster as this broker enforces them, kept from ZooKeeper: a children watch on
 * {@code /config/changes} (where every config change, quotas included, leaves Kafka's notification) re-reads all quota
 * entities. Quota entities are few, so a full re-read per notification is cheap and needs no per-entity bookkeeping.
 *
 * <pre>
 *  NEW ─start()─▶ RUNNING ─close()─▶ CLOSED
 * </pre>
 *
 * <p>Concurrency: watch callbacks and connection events only enqueue onto one private thread, which alone reads
 * ZooKeeper and swaps the immutable map that {@link #quotas()} returns through a volatile field (read on the request
 * paths). On {@code RECONNECTED} (the watch may be gone) everything is re-read and the watch re-armed; a ZooKeeper
 * failure schedules a re-read after {@code retryBackoff}. The lifecycle is an atomic enum.
 */
public final class QuotaCache implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QuotaCache.class);

    private enum Lifecycle {
        NEW,
        RUNNING,
        CLOSED
    }

    private final QuotaStore store;
    private final Duration retryBackoff;
    private final String logPrefix;
    private final ScheduledExecutorService executor;
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.NEW);
    private final ConnectionStateListener connectionListener = (client, state) -> onConnectionState(state);

    private volatile Map<QuotaEntity, Map<String, Double>> quotas = Map.of();
    /** Executor thread only: the token of the armed children watch, null when none is armed. */
    private Object armed;

    private boolean retryPending;

    public QuotaCache(QuotaStore store, int brokerId, Duration retryBackoff) {
        this.store = Objects.requireNonNull(store, "store");
        this.retryBackoff = Objects.requireNonNull(retryBackoff, "retryBackoff");
        this.logPrefix = "[QuotaCache broker=" + brokerId + "]";
        this.executor = GuardedScheduledExecutor.singleThread("sluice-quotas-" + brokerId);
    }

    /** Reads every quota (blocking), arms the watch. */
    public void start() {
        if (!lifecycle.compareAndSet(Lifecycle.NEW, Lifecycle.RUNNING)) {
            throw new IllegalStateException(logPrefix + " start() called in state " + lifecycle.get());
        }
        store.zk().curator().getConnectionStateListenable().addListener(connectionListener, executor);
        try {
            executor.submit(this::reload).get();
        } catch (ExecutionException e) {
            close();
            throw new IllegalStateException(logPrefix + " initial quota load failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException(logPrefix + " interrupted during the initial quota load", e);
        }
        log.info("{} started with {} quota entities", logPrefix, quotas.size());
    }

    /** The quota values of every entity that has one; an immutable snapshot. */
    public Map<QuotaEntity, Map<String, Double>> quotas() {
        return quotas;
    }

    @Override
    public void close() {
        if (lifecycle.getAndSet(Lifecycle.CLOSED) == Lifecycle.CLOSED) {
            return;
        }
        store.zk().curator().getConnectionStateListenable().removeListener(connectionListener);
        executor.shutdownNow();
    }

    private void enqueue(Runnable task) {
        if (lifecycle.get() != Lifecycle.RUNNING) {
            return;
        }
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            log.debug("{} dropping a quota event after close", logPrefix);
        }
    }

    private void onConnectionState(ConnectionState state) {
        if (state == ConnectionState.RECONNECTED) {
            armed = null;
            reload();
        }
    }

    private void onChangesFired(Object token) {
        if (armed == token) {
            armed = null;
        }
        reload();
    }

    /** Executor thread only. */
    private void reload() {
        if (lifecycle.get() != Lifecycle.RUNNING) {
            return;
        }
        try {
            if (armed == null) {
                Object token = new Object();
                store.zk().watchChildren(ZkPaths.CONFIG_CHANGES, () -> enqueue(() -> onChangesFired(token)));
                armed = token;
            }
            Map<QuotaEntity, Map<String, Double>> next = Map.copyOf(store.readAll());
            if (!next.equals(quotas)) {
                quotas = next;
                log.info("{} client quotas are now {}", logPrefix, next);
            }
        } catch (ZkStoreException e) {
            log.warn(
                    "{} reading client quotas failed ({}); retrying in {} ms", logPrefix, e.getMessage(), retryBackoff);
            scheduleRetry();
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
                        reload();
                    },
                    retryBackoff.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            log.debug("{} not scheduling a re-read after close", logPrefix);
        }
    }
}
