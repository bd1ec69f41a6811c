package io.sluice.replication.partition;

import io.sluice.replication.purgatory.Time;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** Wall clock and monotonic time that move only when a test advances them; safe to read from any thread. */
final class ManualClock extends Clock implements Time {
    private final AtomicLong millis = new AtomicLong(1_700_000_000_000L);

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis.get());
    }

    @Override
    public long millis() {
        return millis.get();
    }

    @Override
    public long nanoseconds() {
        return millis.get() * 1_000_000L;
    }

    void advance(long ms) {
        millis.addAndGet(ms);
    }
}
