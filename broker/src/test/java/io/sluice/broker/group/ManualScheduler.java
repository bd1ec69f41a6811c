package io.sluice.broker.group;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.PriorityQueue;

/**
 * A scheduler and clock driven by the test: timers run when {@link #advance} passes their deadline, loads when
 * {@link #runLoads} is called, all on the test's thread.
 */
public final class ManualScheduler extends Clock implements GroupScheduler {
    private record Timer(long deadline, long sequence, Runnable task, boolean[] cancelled) {}

    private final PriorityQueue<Timer> timers = new PriorityQueue<>((a, b) ->
            a.deadline != b.deadline ? Long.compare(a.deadline, b.deadline) : Long.compare(a.sequence, b.sequence));
    private final Deque<Runnable> loads = new ArrayDeque<>();
    private long nowMs = 1_700_000_000_000L;
    private long sequence;

    @Override
    public synchronized Cancellable schedule(long delayMs, Runnable task) {
        boolean[] cancelled = new boolean[1];
        timers.add(new Timer(nowMs + Math.max(0, delayMs), sequence++, task, cancelled));
        return () -> cancelled[0] = true;
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
        long target;
        synchronized (this) {
            target = nowMs + ms;
        }
        while (true) {
            Timer next;
            synchronized (this) {
                next = timers.peek();
                if (next == null || next.deadline > target) {
                    nowMs = target;
                    return;
                }
                timers.poll();
                nowMs = Math.max(nowMs, next.deadline);
            }
            if (!next.cancelled[0]) {
                next.task.run();
            }
        }
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

    @Override
    public synchronized long millis() {
        return nowMs;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
