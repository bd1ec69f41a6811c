package io.sluice.replication.purgatory;

/**
 * A monotonic clock with an arbitrary origin, like {@link System#nanoTime()}: only differences between two readings
 * mean anything, and they are compared by subtraction so that a reading may wrap around {@code Long.MAX_VALUE}.
 *
 * <p>Injected into {@link DelayedOperationPurgatory} so that tests drive deadlines with a manual clock. Implementations
 * must be safe to read from any thread.
 */
@FunctionalInterface
public interface Time {

    /** The JVM's monotonic clock. */
    Time SYSTEM = System::nanoTime;

    /** The current reading, in nanoseconds. */
    long nanoseconds();
}
