package io.sluice.broker.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;

/**
 * Publishes the broker's latency timers as Prometheus histograms ({@code _bucket} series with an {@code le} label), so
 * that {@code histogram_quantile} can compute p50/p99 over any set of brokers.
 *
 * <p>The buckets are fixed service-level boundaries ({@link #BUCKETS}: 1 ms to 30 s, roughly 1-2.5-5 per decade)
 * rather than Micrometer's generated percentile-histogram buckets: those are 68 buckets between 1 ms and 30 s, which
 * for every API key of two timers would put thousands of series on each broker. Sixteen buckets (with {@code +Inf})
 * bound the error of an interpolated quantile to one bucket width, enough to alert on.
 *
 * <p>Applied as a {@link MeterFilter}, so the components keep registering plain timers; the filter must be added to a
 * registry before the timers are registered ({@link #applyTo}). Concurrency: stateless and thread-safe.
 */
public final class LatencyHistograms {

    /** Timers published with histogram buckets. */
    public static final Set<String> TIMERS = Set.of(
            "sluice.network.request.latency",
            "sluice.network.request.queue.time",
            "sluice.replication.fetcher.latency",
            "sluice.broker.client.latency",
            "sluice.controller.event.queue.time",
            "sluice.controller.event.processing.time");

    /** The bucket boundaries (upper bounds, inclusive). */
    public static final Duration[] BUCKETS = {
        Duration.ofMillis(1),
        Duration.ofMillis(2),
        Duration.ofMillis(5),
        Duration.ofMillis(10),
        Duration.ofMillis(25),
        Duration.ofMillis(50),
        Duration.ofMillis(100),
        Duration.ofMillis(250),
        Duration.ofMillis(500),
        Duration.ofSeconds(1),
        Duration.ofMillis(2500),
        Duration.ofSeconds(5),
        Duration.ofSeconds(10),
        Duration.ofSeconds(15),
        Duration.ofSeconds(30)
    };

    private static final MeterFilter FILTER = new MeterFilter() {
        @Override
        public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
            if (id.getType() != Meter.Type.TIMER || !TIMERS.contains(id.getName())) {
                return config;
            }
            return DistributionStatisticConfig.builder()
                    .serviceLevelObjectives(Arrays.stream(BUCKETS)
                            .mapToDouble(d -> (double) d.toNanos())
                            .toArray())
                    .build()
                    .merge(config);
        }
    };

    private LatencyHistograms() {}

    /** The filter that adds the buckets to the {@link #TIMERS}. */
    public static MeterFilter filter() {
        return FILTER;
    }

    /** Adds the filter to {@code registry}; call before any of the timers is registered. */
    public static void applyTo(MeterRegistry registry) {
        registry.config().meterFilter(FILTER);
    }
}
