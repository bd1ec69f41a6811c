package io.sluice.replication.quota;

import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;

/**
 * A replication quota the test drives: throttles the partitions it is given, is exceeded when {@link #exceeded} is set
 * (then asks for a 50 ms wait), and adds up the bytes recorded against it. Thread-safe: atomics only.
 */
public final class StubQuota implements ReplicaQuota {
    public final AtomicBoolean exceeded = new AtomicBoolean();
    public final AtomicLong recorded = new AtomicLong();
    private final Set<TopicPartition> throttled;

    public StubQuota(TopicPartition... throttled) {
        this.throttled = Set.of(throttled);
    }

    @Override
    public boolean isThrottled(TopicPartition tp) {
        return throttled.contains(tp);
    }

    @Override
    public boolean isQuotaExceeded() {
        return exceeded.get();
    }

    @Override
    public void record(long bytes) {
        recorded.addAndGet(bytes);
    }

    @Override
    public long msUntilWithinQuota() {
        return exceeded.get() ? 50 : 0;
    }
}
