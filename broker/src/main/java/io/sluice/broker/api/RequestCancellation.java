package io.sluice.broker.api;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a handler that nobody waits for its answer any more: the request's connection closed before the response was
 * written. A handler whose answer may wait (a long-poll fetch, an acks=all produce in the purgatory) registers what
 * releases that wait with {@link #onCancel}; the network layer calls {@link #cancel()} when the connection closes.
 * Requests not read from a connection (tests, internal callers) use {@link #never()}, which keeps no callbacks.
 *
 * <p>Concurrency: thread-safe; the callback list and the cancelled flag are guarded by this object's monitor, and
 * callbacks run outside it, exactly once: on the thread that cancels (the connection's event loop), or at once on the
 * registering thread if the request was already cancelled. Callbacks must be short and must not block, and must not
 * be called holding a lock that a delayed operation may take.
 */
public final class RequestCancellation {

    private static final Logger log = LoggerFactory.getLogger(RequestCancellation.class);
    private static final RequestCancellation NEVER = new RequestCancellation(false);

    private final boolean cancellable;
    private List<Runnable> callbacks;
    private boolean cancelled;

    private RequestCancellation(boolean cancellable) {
        this.cancellable = cancellable;
    }

    /** A cancellation for a request read from a connection. */
    public static RequestCancellation create() {
        return new RequestCancellation(true);
    }

    /** A request that is never cancelled; registering on it keeps nothing. */
    public static RequestCancellation never() {
        return NEVER;
    }

    /** Runs {@code callback} when the request is cancelled (at once if it already was). */
    public void onCancel(Runnable callback) {
        if (!cancellable) {
            return;
        }
        synchronized (this) {
            if (!cancelled) {
                if (callbacks == null) {
                    callbacks = new ArrayList<>(1);
                }
                callbacks.add(callback);
                return;
            }
        }
        run(callback);
    }

    /** Whether {@link #cancel()} was called. */
    public synchronized boolean isCancelled() {
        return cancelled;
    }

    /** Cancels the request and runs the registered callbacks; later calls do nothing. */
    public void cancel() {
        List<Runnable> toRun;
        synchronized (this) {
            if (cancelled || !cancellable) {
                return;
            }
            cancelled = true;
            toRun = callbacks;
            callbacks = null;
        }
        if (toRun != null) {
            toRun.forEach(RequestCancellation::run);
        }
    }

    private static void run(Runnable callback) {
        try {
            callback.run();
        } catch (RuntimeException e) {
            log.error("A cancellation callback failed; the request's resources may stay until its deadline", e);
        }
    }
}
