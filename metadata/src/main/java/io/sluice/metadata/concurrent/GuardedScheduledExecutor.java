package io.sluice.metadata.concurrent;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ScheduledExecutorService} whose tasks cannot fail silently:
 *
 * <ul>
 *   <li>periodic tasks ({@link #scheduleAtFixedRate}, {@link #scheduleWithFixedDelay}) run as {@link SurvivingTask}s:
 *       a run that throws anything is logged at ERROR and counted, and the task keeps its period (a plain executor
 *       would never run it again);
 *   <li>one-shot {@link Runnable}s ({@link #schedule(Runnable, long, TimeUnit)}, {@link #execute}, {@link
 *       #submit(Runnable)}) that throw are logged at ERROR and counted, and the throwable still completes their
 *       future, as without the wrapper;
 *   <li>{@link Callable}s are passed through: their result, failure included, belongs to the caller's future.
 * </ul>
 *
 * <p>A task's {@code toString()} names it in the log line (see {@link SurvivingTask#of}).
 *
 * <p>Concurrency: thread-safe, as the wrapped executor; the failure count is atomic. Lifecycle is the wrapped
 * executor's.
 */
public final class GuardedScheduledExecutor implements ScheduledExecutorService {
    private static final Logger log = LoggerFactory.getLogger(GuardedScheduledExecutor.class);

    private final String name;
    private final ScheduledExecutorService delegate;
    private final AtomicLong failures = new AtomicLong();

    /**
     * @param name the scheduler's name in log lines and {@link #status()}, e.g. {@code sluice-scheduler-1}
     * @param delegate the executor that runs the tasks (owned from here on: shut down through this)
     */
    public GuardedScheduledExecutor(String name, ScheduledExecutorService delegate) {
        this.name = Objects.requireNonNull(name, "name");
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** A guarded pool of {@code threads} daemon threads named {@code <name>-0}, {@code <name>-1}, .... */
    public static GuardedScheduledExecutor create(String name, int threads) {
        return new GuardedScheduledExecutor(
                name, Executors.newScheduledThreadPool(threads, Threads.daemonFactory(name)));
    }

    /** A guarded single daemon thread named {@code name}. */
    public static GuardedScheduledExecutor singleThread(String name) {
        return new GuardedScheduledExecutor(
                name, Executors.newSingleThreadScheduledExecutor(Threads.singleDaemonFactory(name)));
    }

    public String name() {
        return name;
    }

    /** Task runs that threw so far (periodic and one-shot). */
    public long failures() {
        return failures.get();
    }

    /** The scheduler as a must-not-die thread: alive until it is shut down. */
    public ThreadStatus status() {
        return new ThreadStatus(name, !delegate.isShutdown());
    }

    private Runnable periodic(Runnable task) {
        if (task instanceof SurvivingTask surviving) {
            return surviving.alsoOnFailure(failures::incrementAndGet);
        }
        return SurvivingTask.of(name + ": " + task, task, failures::incrementAndGet);
    }

    private Runnable oneShot(Runnable task) {
        return new Runnable() {
            @Override
            public void run() {
                try {
                    task.run();
                } catch (Throwable t) {
                    failures.incrementAndGet();
                    log.error("Task {} on scheduler {} failed", task, name, t);
                    throw t;
                }
            }

            @Override
            public String toString() {
                return task.toString();
            }
        };
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        return delegate.scheduleAtFixedRate(periodic(command), initialDelay, period, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        return delegate.scheduleWithFixedDelay(periodic(command), initialDelay, delay, unit);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return delegate.schedule(oneShot(command), delay, unit);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        return delegate.schedule(callable, delay, unit);
    }

    @Override
    public void execute(Runnable command) {
        delegate.execute(oneShot(command));
    }

    @Override
    public Future<?> submit(Runnable task) {
        return delegate.submit(oneShot(task));
    }

    @Override
    public <T> Future<T> submit(Runnable task, T result) {
        return delegate.submit(oneShot(task), result);
    }

    @Override
    public <T> Future<T> submit(Callable<T> task) {
        return delegate.submit(task);
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) throws InterruptedException {
        return delegate.invokeAll(tasks);
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException {
        return delegate.invokeAll(tasks, timeout, unit);
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks) throws InterruptedException, ExecutionException {
        return delegate.invokeAny(tasks);
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException, ExecutionException, TimeoutException {
        return delegate.invokeAny(tasks, timeout, unit);
    }

    @Override
    public void shutdown() {
        delegate.shutdown();
    }

    @Override
    public List<Runnable> shutdownNow() {
        return delegate.shutdownNow();
    }

    @Override
    public boolean isShutdown() {
        return delegate.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return delegate.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return delegate.awaitTermination(timeout, unit);
    }

    @Override
    public String toString() {
        return "GuardedScheduledExecutor(" + name + ")";
    }
}
