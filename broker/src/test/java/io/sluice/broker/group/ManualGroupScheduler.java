package io.sluice.broker.group;

import io.sluice.testsupport.ManualClock;
import io.sluice.testsupport.ManualScheduler;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The coordinator's {@link GroupScheduler} on the shared test kit: timers go to a {@link ManualScheduler} and run when
 * {@link #advance} passes their deadline, loads wait until {@link #runLoads}, writes run at once; all on the test's
 * thread. {@link #clock} is the coordinator's clock.
 */
public final class ManualGroupScheduler implements GroupScheduler {
    public final ManualClock clock = new ManualClock();
    private final ManualScheduler timers = new ManualScheduler(clock);
    private final Deque<Runnable> loads = new ArrayDeque<>();

    @Override
    public Cancellable schedule(long delayMs, Runnable task) {
        ScheduledFuture<?> future = timers.schedule(task, delayMs, TimeUnit.MILLISECONDS);
        return () -> future.cancel(false);
    }

    @Override
    public synchronized void execute(Runnable load) {
        loads.add(load);
    }

    /** Runs the write at once, on the caller's thread (so tests see completions synchronously). */
    @Override
    public void write(Runnable write) {
        write.run();
    }

    @Override
    public void shutdown() {}

    /** Moves time forward by {@code ms}, running every timer that falls due, in deadline order. */
    public void advance(long ms) {
        timers.advance(ms);
    }

    /** Runs the queued partition loads. */
    public void runLoads() {
        while (true) {
            Runnable load;
            synchronized (this) {
                load = loads.poll();
            }
            if (load == null) {
                return;
            }
            load.run();
        }
    }

    public synchronized int pendingLoads() {
        return loads.size();
    }

    public long millis() {
        return clock.millis();
    }
}
