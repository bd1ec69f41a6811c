package io.sluice.testsupport;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A wall clock (and, through {@link #nanoseconds()}, a monotonic one) that moves only when a test moves it.
 *
 * <p>Concurrency: safe to read and move from any thread (one atomic reading); tests usually move it from one thread.
 */
public final class ManualClock extends Clock {
    /** The start reading of {@link #ManualClock()}: 2023-11-14T22:13:20Z. */
    public static final long DEFAULT_START_MILLIS = 1_700_000_000_000L;

    private final AtomicLong millis;
    private final long startMillis;
    private final long startNanos;

    public ManualClock() {
        this(DEFAULT_START_MILLIS);
    }

    public ManualClock(long startMillis) {
        this(startMillis, startMillis * 1_000_000L);
    }

    /**
     * A clock at {@code startMillis} whose {@link #nanoseconds()} reading starts at {@code startNanos} (for instance
     * just below {@link Long#MAX_VALUE}, to test code that must survive the monotonic reading wrapping around).
     */
    public ManualClock(long startMillis, long startNanos) {
        this.millis = new AtomicLong(startMillis);
        this.startMillis = startMillis;
        this.startNanos = startNanos;
    }

    /** Moves time forward by {@code ms} (a negative value moves it back, for tests of clock jumps). */
    public void advance(long ms) {
        millis.addAndGet(ms);
    }

    /** Moves time forward by {@code duration}, counted in whole milliseconds. */
    public void advance(Duration duration) {
        advance(duration.toMillis());
    }

    /** Moves time to {@code targetMillis}, which must not be before now. */
    public void advanceTo(long targetMillis) {
        long now = millis.get();
        if (targetMillis < now) {
            throw new IllegalArgumentException("time cannot go back: " + targetMillis + " < " + now);
        }
        millis.set(targetMillis);
    }

    /** Sets the reading to {@code newMillis}, forward or back. */
    public void set(long newMillis) {
        millis.set(newMillis);
    }

    /**
     * The reading as a monotonic nanosecond count, moving with {@link #millis()}; like {@link System#nanoTime()} it may
     * wrap around, so only differences mean anything.
     */
    public long nanoseconds() {
        return startNanos + (millis.get() - startMillis) * 1_000_000L;
    }

    @Override
    public long millis() {
        return millis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis.get());
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
