package io.sluice.replication.quota;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;

/**
 * The meters of one replication throttle, tagged {@code side=leader|follower} (Kafka's {@code LeaderReplication} and
 * {@code FollowerReplication} {@code byte-rate}): the throttled bytes that went through it, their rate over the quota
 * window, and the configured limit (-1 when unlimited).
 *
 * <p>Concurrency: the counter is thread-safe; the gauges read the quota's volatile limit and synchronized rate.
 */
final class ReplicationQuotaMetrics implements AutoCloseable {
    static final String BYTES = "sluice.replication.throttled";
    static final String RATE = "sluice.replication.throttled.rate";
    static final String LIMIT = "sluice.replication.throttle.limit";

    private final MeterRegistry registry;
    private final Counter bytes;
    private final List<Meter> meters;

    ReplicationQuotaMetrics(MeterRegistry registry, String side, ReplicationQuotaManager quota) {
        this.registry = registry;
        this.bytes = Counter.builder(BYTES)
                .description("bytes of throttled partitions replicated through this side's throttle")
                .baseUnit("bytes")
                .tag("side", side)
                .register(registry);
        Gauge rate = Gauge.builder(RATE, quota, ReplicationQuotaManager::currentRate)
                .description("throttled replication bytes per second over the quota window")
                .tag("side", side)
                .register(registry);
        Gauge limit = Gauge.builder(LIMIT, quota, q -> q.limit() == ReplicationQuotaManager.UNLIMITED ? -1 : q.limit())
                .description("configured replication throttle in bytes per second, -1 if unlimited")
                .tag("side", side)
                .register(registry);
        this.meters = List.of(bytes, rate, limit);
    }

    void recorded(long amount) {
        bytes.increment(amount);
    }

    @Override
    public void close() {
        meters.forEach(registry::remove);
    }
}
