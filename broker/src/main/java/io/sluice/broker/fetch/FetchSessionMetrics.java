package io.sluice.broker.fetch;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Fetch session meters (Kafka's {@code FetchSessionCache} JMX beans side by side in docs/metrics.md):
 *
 * <ul>
 *   <li>{@value #SESSIONS} — sessions in the cache; {@value #PARTITIONS} — partitions over all of them;
 *   <li>{@value #EVICTIONS} — sessions evicted to make room; {@value #REFUSED} — new sessions not created because
 *       no slot was free and none could be evicted;
 *   <li>{@value #REQUESTS} (tag {@code kind}: {@code sessionless}, {@code full}, {@code incremental}, {@code error};
 *       {@code fetcher}: {@code consumer} or {@code follower}) — fetch requests by the session context they got;
 *       {@value #REQUEST_PARTITIONS} (same tags) — partitions those requests named (an incremental request names only
 *       what changed).
 * </ul>
 *
 * <p>Thread-safety: safe for concurrent use.
 */
public final class FetchSessionMetrics {
    public static final String SESSIONS = "sluice.fetch.session.count";
    public static final String PARTITIONS = "sluice.fetch.session.partitions";
    public static final String EVICTIONS = "sluice.fetch.session.evictions";
    public static final String REFUSED = "sluice.fetch.session.refused";
    public static final String REQUESTS = "sluice.fetch.session.requests";
    public static final String REQUEST_PARTITIONS = "sluice.fetch.session.request.partitions";

    /** How a fetch request was served. */
    public enum Kind {
        SESSIONLESS,
        FULL,
        INCREMENTAL,
        ERROR;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Meters nothing. */
    public static final FetchSessionMetrics NOOP = new FetchSessionMetrics(null);

    private final MeterRegistry registry;
    private final Counter evictions;
    private final Counter refused;
    /** Index 0: consumers, 1: followers. */
    private final List<Map<Kind, Counter>> requests = new ArrayList<>(2);

    private final List<Map<Kind, Counter>> requestPartitions = new ArrayList<>(2);

    public FetchSessionMetrics(MeterRegistry registry) {
        this.registry = registry;
        if (registry == null) {
            evictions = null;
            refused = null;
            return;
        }
        evictions = Counter.builder(EVICTIONS).register(registry);
        refused = Counter.builder(REFUSED).register(registry);
        for (String fetcher : List.of("consumer", "follower")) {
            Map<Kind, Counter> byKind = new EnumMap<>(Kind.class);
            Map<Kind, Counter> partitionsByKind = new EnumMap<>(Kind.class);
            for (Kind kind : Kind.values()) {
                byKind.put(
                        kind,
                        Counter.builder(REQUESTS)
                                .tag("kind", kind.tag())
                                .tag("fetcher", fetcher)
                                .register(registry));
                partitionsByKind.put(
                        kind,
                        Counter.builder(REQUEST_PARTITIONS)
                                .tag("kind", kind.tag())
                                .tag("fetcher", fetcher)
                                .register(registry));
            }
            requests.add(byKind);
            requestPartitions.add(partitionsByKind);
        }
    }

    void bind(FetchSessionCache cache) {
        if (registry == null) {
            return;
        }
        Gauge.builder(SESSIONS, cache, FetchSessionCache::size)
                .strongReference(true)
                .register(registry);
        Gauge.builder(PARTITIONS, cache, FetchSessionCache::partitions)
                .strongReference(true)
                .register(registry);
    }

    void evicted() {
        if (evictions != null) {
            evictions.increment();
        }
    }

    void sessionRefused() {
        if (refused != null) {
            refused.increment();
        }
    }

    void request(Kind kind, boolean fromFollower, int partitionsNamed) {
        if (registry == null) {
            return;
        }
        int index = fromFollower ? 1 : 0;
        requests.get(index).get(kind).increment();
        requestPartitions.get(index).get(kind).increment(partitionsNamed);
    }
}
