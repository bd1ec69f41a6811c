package io.sluice.controller.event;

import io.sluice.metadata.concurrent.GuardedScheduledExecutor;
import io.sluice.metadata.concurrent.SurvivingTask;
import io.sluice.metadata.concurrent.ThreadStatus;
import io.sluice.metadata.concurrent.Threads;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's single event thread and its queue. Every change of controller state happens in the processor on
 * this thread, one event at a time; everything else (ZooKeeper watches, session listeners, timers, API calls, broker
 * responses) only calls {@link #put}. Timers run on a separate scheduler thread whose tasks only enqueue events.
 *
 * <p>Lifecycle: {@code NEW → RUNNING → CLOSED}, a compare-and-set; {@link #close()} is safe twice. Events still queued
 * at close, or put after it, are failed with {@code NOT_CONTROLLER} so no caller waits forever.
 *
 * <p>Failures: the event thread must not die. Whatever one event's processing throws, {@link Error}s included, is
 * logged at ERROR naming the event and the loop takes the next event; so is a failure of the timing observer or of
 * failing an event at close. A periodic timer ({@link #schedule}) keeps its period when its supplier throws (it runs
 * on a {@link GuardedScheduledExecutor}). {@link #eventThreadStatuses()} and {@link #schedulerStatuses()} report both
 * threads for the broker's liveness checks.
 *
 * <p>Concurrency: {@link #put}, {@link #schedule} and {@link #queueSize} are thread-safe; the processor runs only on
 * the event thread.
 */
public final class ControllerEventManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControllerEventManager.class);

    /** Receives timing of every processed event (the controller's metrics implement it). */
    public interface Observer {
        void eventProcessed(ControllerEvent event, long queueTimeNanos, long processingTimeNanos);
    }

    private enum Lifecycle {
        NEW,
        RUNNING,
        CLOSED
    }

    private record Queued(ControllerEvent event, long enqueuedNanos) {}

    private static final Queued POISON = new Queued(new ControllerEvent.Callback("shutdown", () -> {}), 0);

    /** The shutdown marker is this one instance: compared by identity, as an equal event must not stop the thread. */
    @SuppressWarnings("ReferenceEquality")
    private static boolean isPoison(Queued q) {
        return q == POISON;
    }

    private final String prefix;
    private final Consumer<ControllerEvent> processor;
    private final Observer observer;
    private final LongSupplier nanoTime;
    private final BlockingQueue<Queued> queue = new LinkedBlockingQueue<>();
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.NEW);
    private final Thread thread;
    private final GuardedScheduledExecutor scheduler;

    /**
     * @param brokerId for thread names and log prefixes
     * @param processor handles one event; exceptions are logged and the loop continues
     * @param nanoTime monotonic clock for queue and processing times
     */
    public ControllerEventManager(
            int brokerId, Consumer<ControllerEvent> processor, Observer observer, LongSupplier nanoTime) {
        this.prefix = "[ControllerEventThread broker=" + brokerId + "] ";
        this.processor = processor;
        this.observer = observer;
        this.nanoTime = nanoTime;
        this.thread = Threads.newThread("controller-event-thread-" + brokerId, this::run, true);
        this.scheduler = GuardedScheduledExecutor.singleThread("controller-scheduler-" + brokerId);
    }

    public void start() {
        if (lifecycle.compareAndSet(Lifecycle.NEW, Lifecycle.RUNNING)) {
            thread.start();
        }
    }

    /** Enqueues {@code event}; after close the event is failed at once. */
    public void put(ControllerEvent event) {
        if (lifecycle.get() == Lifecycle.CLOSED) {
            event.fail(Errors.NOT_CONTROLLER, "The controller is shut down");
            return;
        }
        queue.add(new Queued(event, nanoTime.getAsLong()));
    }

    /** Enqueues the event {@code supplier} gives every {@code periodMs}, first after {@code delayMs}. */
    public ScheduledFuture<?> schedule(
            java.util.function.Supplier<ControllerEvent> supplier, long delayMs, long periodMs) {
        Runnable enqueue = SurvivingTask.of(prefix + "periodic event", () -> put(supplier.get()));
        return scheduler.scheduleAtFixedRate(enqueue, delayMs, periodMs, TimeUnit.MILLISECONDS);
    }

    /** Enqueues {@code event} once after {@code delayMs}. */
    public ScheduledFuture<?> scheduleOnce(ControllerEvent event, long delayMs) {
        return scheduler.schedule(() -> put(event), delayMs, TimeUnit.MILLISECONDS);
    }

    public int queueSize() {
        return queue.size();
    }

    /** The event thread as a must-not-die thread, while the manager runs (empty before start and after close). */
    public List<ThreadStatus> eventThreadStatuses() {
        return lifecycle.get() == Lifecycle.RUNNING ? List.of(ThreadStatus.of(thread)) : List.of();
    }

    /** The timer thread as a must-not-die thread, while the manager runs. */
    public List<ThreadStatus> schedulerStatuses() {
        return lifecycle.get() == Lifecycle.RUNNING ? List.of(scheduler.status()) : List.of();
    }

    /** Whether the caller runs on the event thread. */
    public boolean isEventThread() {
        return Thread.currentThread() == thread;
    }

    private void run() {
        while (true) {
            Queued q;
            try {
                q = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (isPoison(q)) {
                break;
            }
            try {
                handle(q);
            } catch (Throwable e) {
                log.error(
                        "{}Uncaught error around event {}; taking the next event",
                        prefix,
                        q.event().name(),
                        e);
            }
        }
        List<Queued> left = new ArrayList<>();
        queue.drainTo(left);
        left.stream()
                .filter(q -> !isPoison(q))
                .forEach(q -> q.event().fail(Errors.NOT_CONTROLLER, "The controller is shut down"));
    }

    /** Processes one event and reports its timings; each step's failure is logged and does not end the loop. */
    private void handle(Queued q) {
        if (lifecycle.get() == Lifecycle.CLOSED) {
            q.event().fail(Errors.NOT_CONTROLLER, "The controller is shut down");
            return;
        }
        long start = nanoTime.getAsLong();
        try {
            processor.accept(q.event());
        } catch (Throwable e) {
            log.error("{}Uncaught error processing {}: {}", prefix, q.event().name(), e.toString(), e);
        }
        long end = nanoTime.getAsLong();
        observer.eventProcessed(q.event(), start - q.enqueuedNanos(), end - start);
    }

    /**
     * Stops the scheduler, lets the event thread finish the event it is handling, and fails every event still queued
     * (or put later) with {@code NOT_CONTROLLER}. Must not be called from the event thread.
     */
    @Override
    public void close() {
        Lifecycle previous = lifecycle.getAndSet(Lifecycle.CLOSED);
        if (previous == Lifecycle.CLOSED) {
            return;
        }
        scheduler.shutdownNow();
        if (previous == Lifecycle.RUNNING) {
            queue.add(POISON);
            try {
                thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                log.warn("{}event thread did not stop within 30 s", prefix);
            }
        }
        List<Queued> left = new ArrayList<>();
        queue.drainTo(left);
        left.stream()
                .filter(q -> !isPoison(q))
                .forEach(q -> q.event().fail(Errors.NOT_CONTROLLER, "The controller is shut down"));
    }
}
