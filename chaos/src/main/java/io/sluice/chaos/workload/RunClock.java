package io.sluice.chaos.workload;

/** Milliseconds since the run started, on the monotonic clock: the {@code t} of every history event. Thread-safe. */
public final class RunClock {
    private final long startNanos;

    public RunClock() {
        this.startNanos = System.nanoTime();
    }

    public long now() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
