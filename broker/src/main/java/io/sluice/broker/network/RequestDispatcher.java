package io.sluice.broker.network;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request handler pool ({@code num.io.threads}) with backpressure on the sockets.
 *
 * <p>Once {@code queued.max.requests} tasks are waiting, the submitting connection is paused (it stops reading from
 * its socket) and recorded; when the queue drains to half of the limit every paused connection is resumed. Frames
 * already read from a socket when it is paused are still accepted, so the queue can exceed the limit by at most what
 * the paused connections had buffered; nothing is dropped and nothing is buffered without bound.
 *
 * <p>Concurrency: {@link #submit} may be called from any event loop and task completion runs on pool threads. The
 * queue length is an atomic counter and paused connections a concurrent set; a connection is added to the set before
 * the counter is re-checked, and pool threads decrement before scanning the set, so no pause is ever left without a
 * resume. Pause and resume callbacks must be safe from any thread.
 */
final class RequestDispatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RequestDispatcher.class);

    /** A source of requests that can stop and restart reading. */
    interface Backpressured {
        /** Stop reading; called on the source's own event loop. */
        void pauseReading();

        /** Start reading again; called from any thread. */
        void resumeReading();
    }

    private final ThreadPoolExecutor executor;
    private final int maxQueued;
    private final int resumeAt;
    private final AtomicInteger queued = new AtomicInteger();
    private final Set<Backpressured> paused = ConcurrentHashMap.newKeySet();
    private final NetworkMetrics metrics;

    RequestDispatcher(int threads, int maxQueued, ThreadFactory threadFactory, NetworkMetrics metrics) {
        this.executor = new ThreadPoolExecutor(
                threads, threads, 0L, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), threadFactory);
        this.maxQueued = maxQueued;
        this.resumeAt = maxQueued / 2;
        this.metrics = metrics;
        metrics.queueDepth(queued::get);
        metrics.handlerThreads(threads);
    }

    /**
     * Queues {@code task} for the handler pool, pausing {@code source} if the queue is full.
     *
     * @throws RejectedExecutionException after {@link #close()}
     */
    void submit(Backpressured source, Runnable task) {
        int depth = queued.incrementAndGet();
        try {
            executor.execute(() -> {
                dequeued();
                long start = System.nanoTime();
                try {
                    task.run();
                } finally {
                    metrics.handlerBusy(System.nanoTime() - start);
                }
            });
        } catch (RejectedExecutionException e) {
            queued.decrementAndGet();
            throw e;
        }
        if (depth >= maxQueued && paused.add(source)) {
            source.pauseReading();
            metrics.backpressurePause();
            log.debug("Request queue holds {} requests (queued.max.requests={}); pausing {}", depth, maxQueued, source);
            if (queued.get() <= resumeAt && paused.remove(source)) {
                source.resumeReading();
            }
        }
    }

    private void dequeued() {
        int depth = queued.decrementAndGet();
        if (depth <= resumeAt && !paused.isEmpty()) {
            for (Backpressured source : paused) {
                if (paused.remove(source)) {
                    source.resumeReading();
                }
            }
        }
    }

    /** Forgets a closed source, so it is not resumed later. */
    void forget(Backpressured source) {
        paused.remove(source);
    }

    /** Requests waiting for a handler thread. */
    int queuedRequests() {
        return queued.get();
    }

    /** Stops accepting tasks and waits up to {@code timeout} for running ones; then interrupts the rest. */
    void close(Duration timeout) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("Request handler pool still busy after {}; interrupting its threads", timeout);
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
