package io.sluice.broker.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.metadata.concurrent.GuardedScheduledExecutor;
import io.sluice.metadata.concurrent.ThreadStatus;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Liveness of the broker's must-not-die threads, by kind:
 *
 * <ul>
 *   <li>{@value #ALIVE} and {@value #DEAD} (gauges, tag {@code kind}): how many threads of that kind are running, and
 *       how many ended while their owner was running (always 0 unless a thread died; alert on it);
 *   <li>{@value #TASK_FAILURES} (counter, tag {@code scheduler}): scheduled task runs that threw (they are logged at
 *       ERROR and periodic ones keep their period).
 * </ul>
 *
 * <p>Components report their own threads ({@link ThreadStatus}); this class only counts them, and {@link #dead()}
 * names the dead ones for the health check.
 *
 * <p>Concurrency: thread-safe. Sources are added while the broker starts and read by gauges and health checks on any
 * thread (copy-on-write lists); a source must answer without blocking on its component's locks.
 */
public final class ThreadLivenessMetrics implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ThreadLivenessMetrics.class);

    public static final String ALIVE = "sluice.thread.alive";
    public static final String DEAD = "sluice.thread.dead";
    public static final String TASK_FAILURES = "sluice.scheduler.task.failures";

    /** The kinds of must-not-die threads; the tag value is the lower-case name. */
    public enum Kind {
        REPLICA_FETCHER,
        PURGATORY_REAPER,
        LOG_CLEANER,
        CONTROLLER_EVENT,
        SCHEDULER;

        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A dead thread and its kind. */
    public record DeadThread(Kind kind, String name) {
        @Override
        public String toString() {
            return kind.tag() + " thread " + name;
        }
    }

    private final MeterRegistry registry;
    private final Map<Kind, List<Supplier<List<ThreadStatus>>>> sources = new EnumMap<>(Kind.class);
    private final List<Meter> meters = new CopyOnWriteArrayList<>();

    public ThreadLivenessMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        for (Kind kind : Kind.values()) {
            sources.put(kind, new CopyOnWriteArrayList<>());
            meters.add(Gauge.builder(ALIVE, () -> count(kind, true))
                    .description("Running threads of this kind")
                    .tag("kind", kind.tag())
                    .register(registry));
            meters.add(Gauge.builder(DEAD, () -> count(kind, false))
                    .description("Threads of this kind that died while the broker was running")
                    .tag("kind", kind.tag())
                    .register(registry));
        }
    }

    /** Adds a source of threads of {@code kind}. */
    public void watch(Kind kind, Supplier<List<ThreadStatus>> threads) {
        sources.get(kind).add(Objects.requireNonNull(threads, "threads"));
    }

    /** Watches a scheduler as a {@link Kind#SCHEDULER} thread and counts its task failures. */
    public void watch(GuardedScheduledExecutor scheduler) {
        watch(Kind.SCHEDULER, () -> List.of(scheduler.status()));
        meters.add(FunctionCounter.builder(TASK_FAILURES, scheduler, GuardedScheduledExecutor::failures)
                .description("Scheduled task runs that threw")
                .tag("scheduler", scheduler.name())
                .register(registry));
    }

    /** The threads that died while their owner was running, by kind. */
    public List<DeadThread> dead() {
        List<DeadThread> dead = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            for (ThreadStatus status : statuses(kind)) {
                if (!status.alive()) {
                    dead.add(new DeadThread(kind, status.name()));
                }
            }
        }
        return dead;
    }

    private double count(Kind kind, boolean alive) {
        return statuses(kind).stream().filter(s -> s.alive() == alive).count();
    }

    private List<ThreadStatus> statuses(Kind kind) {
        List<ThreadStatus> all = new ArrayList<>();
        for (Supplier<List<ThreadStatus>> source : sources.get(kind)) {
            try {
                all.addAll(source.get());
            } catch (RuntimeException e) {
                log.warn("Cannot read the {} threads: {}", kind.tag(), e.toString());
            }
        }
        return all;
    }

    /** Removes the meters. */
    @Override
    public void close() {
        meters.forEach(registry::remove);
        meters.clear();
    }
}
