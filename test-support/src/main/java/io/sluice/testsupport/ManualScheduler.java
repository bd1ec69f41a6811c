package io.sluice.testsupport;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ScheduledExecutorService} that runs nothing by itself: tasks wait in a queue ordered by (due time,
 * submission order) until the driver calls {@link #runDue(long)} or {@link #advance(long)}, which run them on the
 * driver's thread. That makes every periodic task of a broker (ISR shrink check, high-watermark checkpoint, log
 * retention/flush/checkpoint, AlterPartition retries, group timers) happen at a deterministic point of a test.
 *
 * <p>Concurrency: used from the driver thread only (brokers schedule from code the driver runs: appends, fetch
 * handling, AlterPartition answers, other tasks); the queue is still guarded by {@code this}, so a stray call from
 * another thread would be safe, only not deterministic. Tasks run without the monitor held.
 */
public final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {
    private final Clock clock;
    private final PriorityQueue<Task<?>> queue = new PriorityQueue<>();
    private long sequence;
    private boolean shutdown;

    public ManualScheduler(Clock clock) {
        this.clock = clock;
    }

    /** Runs every task due at or before {@code now}, in due-time order; returns how many ran. */
    public int runDue(long now) {
        int ran = 0;
        while (true) {
            Task<?> next;
            synchronized (this) {
                if (shutdown || queue.isEmpty() || queue.peek().dueMs > now) {
                    return ran;
                }
                next = queue.poll();
            }
            if (next.cancelled) {
                continue;
            }
            next.run();
            ran++;
            synchronized (this) {
                if (next.periodMs > 0 && !next.cancelled && !shutdown) {
                    next.dueMs = now + next.periodMs;
                    next.seq = sequence++;
                    queue.add(next);
                }
            }
        }
    }

    /**
     * Moves the {@link ManualClock} this scheduler was made with forward by {@code ms}, stopping at each due time on
     * the way to run what falls due there (in due-time order), so a task sees the clock at its own deadline.
     */
    public void advance(long ms) {
        if (!(clock instanceof ManualClock manual)) {
            throw new IllegalStateException("advance needs a ManualClock, not " + clock);
        }
        long target = manual.millis() + ms;
        while (true) {
            long next = nextDue();
            if (next > target) {
                break;
            }
            manual.advanceTo(Math.max(manual.millis(), next));
            runDue(manual.millis());
        }
        manual.advanceTo(target);
    }

    /** The earliest due time of a live task, or {@link Long#MAX_VALUE}. */
    public synchronized long nextDue() {
        return queue.stream()
                .filter(t -> !t.cancelled)
                .mapToLong(t -> t.dueMs)
                .min()
                .orElse(Long.MAX_VALUE);
    }

    private synchronized <V> Task<V> add(Callable<V> callable, long delayMs, long periodMs) {
        if (shutdown) {
            throw new RejectedExecutionException("scheduler is shut down");
        }
        Task<V> task = new Task<>(clock, callable, clock.millis() + Math.max(0, delayMs), periodMs, sequence++);
        queue.add(task);
        return task;
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        Objects.requireNonNull(command, "command");
        return add(
                () -> {
                    command.run();
                    return null;
                },
                unit.toMillis(delay),
                0);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        return add(callable, unit.toMillis(delay), 0);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        return scheduleWithFixedDelay(command, initialDelay, period, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        if (delay <= 0) {
            throw new IllegalArgumentException("period must be positive: " + delay);
        }
        return add(
                () -> {
                    command.run();
                    return null;
                },
                unit.toMillis(initialDelay),
                unit.toMillis(delay));
    }

    @Override
    public void execute(Runnable command) {
        var unused = schedule(command, 0, TimeUnit.MILLISECONDS); // runs when due; nothing waits on it
    }

    @Override
    public synchronized void shutdown() {
        shutdown = true;
        queue.clear();
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown();
        return new ArrayList<>();
    }

    @Override
    public synchronized boolean isShutdown() {
        return shutdown;
    }

    @Override
    public synchronized boolean isTerminated() {
        return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return isTerminated();
    }

    /** A queued task; ordered by due time, then submission order. */
    private static final class Task<V> implements ScheduledFuture<V> {
        private final Clock clock;
        private final Callable<V> callable;
        private final long periodMs;
        private volatile long dueMs;
        private volatile long seq;
        private volatile boolean cancelled;
        private volatile boolean done;
        private volatile V result;

        Task(Clock clock, Callable<V> callable, long dueMs, long periodMs, long seq) {
            this.clock = clock;
            this.callable = callable;
            this.dueMs = dueMs;
            this.periodMs = periodMs;
            this.seq = seq;
        }

        void run() {
            try {
                result = callable.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            if (periodMs <= 0) {
                done = true;
            }
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(dueMs - clock.millis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            Task<?> o = (Task<?>) other;
            int byDue = Long.compare(dueMs, o.dueMs);
            return byDue != 0 ? byDue : Long.compare(seq, o.seq);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean was = !cancelled && !done;
            cancelled = true;
            return was;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return done || cancelled;
        }

        @Override
        public V get() {
            if (!done) {
                throw new IllegalStateException("a simulated task is waited for only by the driver");
            }
            return result;
        }

        @Override
        public V get(long timeout, TimeUnit unit) {
            return get();
        }
    }
}
