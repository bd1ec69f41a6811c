package io.sluice.broker.group;

import io.sluice.metadata.concurrent.GuardedScheduledExecutor;
import io.sluice.metadata.concurrent.Threads;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Where the coordinator runs its deferred work: timers (heartbeat expiry, rebalance and initial-join delays, offset
 * retention) and the blocking loads of {@value OffsetsTopic#NAME} partitions. Tests substitute a manual one.
 *
 * <p>Thread-safety: implementations are thread-safe; timer tasks and loads may run on any thread but must not run
 * on the caller's thread from within {@link #schedule} or {@link #execute}.
 */
public interface GroupScheduler {

    /** A scheduled task that can be cancelled; cancelling a task that already ran is a no-op. */
    @FunctionalInterface
    interface Cancellable {
        void cancel();
    }

    /** Runs {@code task} after {@code delayMs} milliseconds. */
    Cancellable schedule(long delayMs, Runnable task);

    /** Runs {@code load} (which may block on disk) off the caller's thread, without delaying timers. */
    void execute(Runnable load);

    /**
     * Runs {@code write} (a call into the {@link GroupStore}, which never blocks) in submission order, off the
     * caller's thread, so the coordinator never calls the store while it holds a group lock and a store completing
     * a write under its own locks cannot deadlock with it.
     */
    void write(Runnable write);

    /** Stops running tasks; later calls are ignored. */
    void shutdown();

    /**
     * The production scheduler: one daemon thread each for timers, partition loads and store writes, so a long load
     * never delays heartbeat expiry.
     */
    static GroupScheduler threads(int brokerId) {
        // timer tasks that throw are logged (a plain executor would swallow it in the task's future)
        ScheduledExecutorService timers = GuardedScheduledExecutor.singleThread(name(brokerId, "timer"));
        ExecutorService loader =
                Executors.newSingleThreadExecutor(Threads.singleDaemonFactory(name(brokerId, "loader")));
        ExecutorService writer =
                Executors.newSingleThreadExecutor(Threads.singleDaemonFactory(name(brokerId, "writer")));
        return new GroupScheduler() {
            @Override
            public Cancellable schedule(long delayMs, Runnable task) {
                if (timers.isShutdown()) {
                    return () -> {};
                }
                ScheduledFuture<?> future = timers.schedule(task, Math.max(0, delayMs), TimeUnit.MILLISECONDS);
                return () -> future.cancel(false);
            }

            @Override
            public void execute(Runnable load) {
                if (!loader.isShutdown()) {
                    loader.execute(load);
                }
            }

            @Override
            public void write(Runnable write) {
                if (!writer.isShutdown()) {
                    writer.execute(write);
                }
            }

            @Override
            public void shutdown() {
                timers.shutdownNow();
                loader.shutdownNow();
                writer.shutdown();
            }
        };
    }

    private static String name(int brokerId, String role) {
        return "group-coordinator-" + role + "-" + brokerId;
    }
}
