package io.sluice.replication.purgatory;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A {@link Time} that moves only when a test advances it; safe to read from any thread. */
final class ManualTime implements Time {

    private final AtomicLong nanos;

    ManualTime(long startNanos) {
        this.nanos = new AtomicLong(startNanos);
    }

    @Override
    public long nanoseconds() {
        return nanos.get();
    }

    void advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }
}
