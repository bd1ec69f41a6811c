package io.sluice.broker.quota;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Client quota meters, tagged by quota type ({@code produce}, {@code fetch}, {@code request}) and by the matched quota
 * entity ({@code entity}, e.g. {@code clients/<default>} or {@code users/alice}), never by a client's own id, so the
 * number of series is bounded by the quotas an operator configures; past {@value #MAX_ENTITIES} entities further ones
 * share the tag {@code other}:
 *
 * <ul>
 *   <li>{@value #AMOUNT} — bytes (microseconds of handler time for {@code request}) recorded against a quota; its
 *       rate is the entity's byte rate;
 *   <li>{@value #THROTTLE} — throttle time in ms given to each request measured against a quota (0 when within it).
 * </ul>
 *
 * <p>Thread-safety: safe for concurrent use; meters are created once per key.
 */
public final class ClientQuotaMetrics {
    public static final String AMOUNT = "sluice.quota.recorded";
    public static final String THROTTLE = "sluice.quota.throttle.time";
    static final int MAX_ENTITIES = 200;

    /** Meters nothing. */
    public static final ClientQuotaMetrics NOOP = new ClientQuotaMetrics(null);

    private record Meters(Counter amount, DistributionSummary throttle) {}

    private final MeterRegistry registry;
    private final Map<String, Meters> meters = new ConcurrentHashMap<>();

    public ClientQuotaMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void recorded(QuotaType type, QuotaEntity entity, long amount, long throttleMs) {
        if (registry == null) {
            return;
        }
        String tag = entity.entityPath();
        if (meters.size() >= MAX_ENTITIES * QuotaType.values().length && !meters.containsKey(key(type, tag))) {
            tag = "other";
        }
        String entityTag = tag;
        Meters m = meters.computeIfAbsent(key(type, entityTag), k -> {
            String typeTag = type.name().toLowerCase(java.util.Locale.ROOT);
            return new Meters(
                    Counter.builder(AMOUNT)
                            .description("Bytes (request: microseconds of handler time) measured against a client"
                                    + " quota")
                            .tags("type", typeTag, "entity", entityTag)
                            .register(registry),
                    DistributionSummary.builder(THROTTLE)
                            .description("Throttle time given to requests measured against a client quota")
                            .baseUnit("milliseconds")
                            .tags("type", typeTag, "entity", entityTag)
                            .register(registry));
        });
        m.amount().increment(amount);
        m.throttle().record(throttleMs);
    }

    private static String key(QuotaType type, String entity) {
        return type + "|" + entity;
    }
}
