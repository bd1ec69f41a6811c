package io.sluice.replication.partition;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The replica manager's meters (Kafka's ReplicaManager metrics). Purgatory sizes are registered by the purgatories
 * themselves ({@code sluice.purgatory.*} tagged {@code delayedOperation=Produce|Fetch}).
 *
 * <p>Concurrency: gauges read the partition map and immutable partition states on the scraping thread; counters are
 * thread-safe.
 */
final class ReplicaManagerMetrics implements AutoCloseable {
    static final String PARTITIONS = "sluice.replica.manager.partitions";
    static final String LEADERS = "sluice.replica.manager.leaders";
    static final String UNDER_REPLICATED = "sluice.replica.manager.under.replicated.partitions";
    static final String UNDER_MIN_ISR = "sluice.replica.manager.under.min.isr.partitions";
    static final String ISR_SHRINKS = "sluice.replica.manager.isr.shrinks";
    static final String ISR_EXPANDS = "sluice.replica.manager.isr.expands";

    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    private final Counter isrShrinks;
    private final Counter isrExpands;

    ReplicaManagerMetrics(MeterRegistry registry, Supplier<Collection<Partition>> partitions) {
        this.registry = registry;
        meters.add(gauge(PARTITIONS, "hosted partition replicas", partitions, p -> true));
        meters.add(gauge(LEADERS, "partitions this broker leads", partitions, Partition::isLeader));
        meters.add(gauge(
                UNDER_REPLICATED,
                "led partitions whose ISR is smaller than the replica set",
                partitions,
                p -> p.isLeader()
                        && p.state().isr().size() < p.state().replicas().size()));
        meters.add(gauge(
                UNDER_MIN_ISR,
                "led partitions whose ISR is smaller than min.insync.replicas",
                partitions,
                p -> p.isLeader() && p.state().isr().size() < p.effectiveMinIsr(p.state())));
        isrShrinks = Counter.builder(ISR_SHRINKS)
                .description("committed ISR shrinks")
                .register(registry);
        isrExpands = Counter.builder(ISR_EXPANDS)
                .description("committed ISR expansions")
                .register(registry);
        meters.add(isrShrinks);
        meters.add(isrExpands);
    }

    private Gauge gauge(
            String name, String description, Supplier<Collection<Partition>> partitions, Predicate<Partition> which) {
        return Gauge.builder(name, () -> partitions.get().stream().filter(which).count())
                .description(description)
                .register(registry);
    }

    void recordIsrChange(int oldSize, int newSize) {
        if (newSize < oldSize) {
            isrShrinks.increment();
        } else if (newSize > oldSize) {
            isrExpands.increment();
        }
    }

    @Override
    public void close() {
        meters.forEach(registry::remove);
        meters.clear();
    }
}
