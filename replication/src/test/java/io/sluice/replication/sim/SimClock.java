package io.sluice.replication.sim;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The simulation's wall clock: it moves only when the driver advances it.
 *
 * <p>Concurrency: written only by the driver thread; read by the driver thread and, harmlessly, by idle fetcher
 * threads (the field is volatile so those reads are well defined).
 */
final class SimClock extends Clock {
    private volatile long millis;

    SimClock(long startMillis) {
        this.millis = startMillis;
    }

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
        return Instant.ofEpochMilli(millis);
    }

    @Override
    public long millis() {
        return millis;
    }

    void advanceTo(long target) {
        if (target < millis) {
            throw new IllegalArgumentException("time cannot go back: " + target + " < " + millis);
        }
        millis = target;
    }
}
