package io.sluice.replication.purgatory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The meters of one purgatory, tagged {@code delayedOperation=<name>} (for example {@code Produce}, {@code Fetch}),
 * after Kafka's {@code PurgatorySize} and {@code NumDelayedOperations}:
 *
 * <ul>
 *   <li>{@value #SIZE} (gauge): watcher entries; an operation watching three keys counts three times, and completed
 *       operations count until they are removed from their lists.
 *   <li>{@value #DELAYED} (gauge): operations waiting for their deadline (neither completed nor expired).
 *   <li>{@value #EXPIRED} (counter): operations completed by their deadline.
 *   <li>{@value #PURGED} (counter): watcher entries of completed operations removed by the periodic purge.
 * </ul>
 *
 * <p>Thread-safe: the gauges read lock-free suppliers; the counters are Micrometer's. {@link #close()} removes the
 * meters from the registry and is safe to call twice.
 */
public final class PurgatoryMetrics implements AutoCloseable {

    public static final String SIZE = "sluice.purgatory.size";
    public static final String DELAYED = "sluice.purgatory.delayed.operations";
    public static final String EXPIRED = "sluice.purgatory.expired";
    public static final String PURGED = "sluice.purgatory.purged";
    public static final String TAG = "delayedOperation";

    private final MeterRegistry registry;
    private final Counter expired;
    private final Counter purged;
    private final List<Meter> meters;

    /**
     * Registers the meters.
     *
     * @param registry where to register
     * @param purgatoryName the tag value, e.g. {@code Produce}
     * @param watched the number of watcher entries
     * @param delayed the number of operations waiting for their deadline
     */
    public PurgatoryMetrics(MeterRegistry registry, String purgatoryName, LongSupplier watched, LongSupplier delayed) {
        this.registry = registry;
        Tags tags = Tags.of(TAG, purgatoryName);
        Gauge size = Gauge.builder(SIZE, watched, LongSupplier::getAsLong)
                .tags(tags)
                .description("Watcher entries in the purgatory, counted once per watch key")
                .strongReference(true)
                .register(registry);
        Gauge delayedGauge = Gauge.builder(DELAYED, delayed, LongSupplier::getAsLong)
                .tags(tags)
                .description("Delayed operations waiting for completion or their deadline")
                .strongReference(true)
                .register(registry);
        this.expired = Counter.builder(EXPIRED)
                .tags(tags)
                .description("Delayed operations completed by their deadline")
                .register(registry);
        this.purged = Counter.builder(PURGED)
                .tags(tags)
                .description("Watcher entries of completed operations removed by the periodic purge")
                .register(registry);
        this.meters = List.of(size, delayedGauge, expired, purged);
    }

    void recordExpired() {
        expired.increment();
    }

    void recordPurged(int entries) {
        purged.increment(entries);
    }

    @Override
    public void close() {
        for (Meter meter : meters) {
            registry.remove(meter);
        }
    }
}
