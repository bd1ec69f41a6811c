package io.sluice.broker.security;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Counters of SASL session upkeep (KIP-368), tagged by listener: {@code sluice.sasl.reauthentications} with
 * {@code result=success|failure}, and {@code sluice.sasl.expired.connections.killed} for connections closed because
 * their session ended before they re-authenticated (Kafka's {@code expired-connections-killed-count}).
 *
 * <p>Thread-safety: thread-safe (Micrometer meters).
 */
public final class SaslMetrics {
    private final MeterRegistry registry;

    public SaslMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Metrics kept in a private registry nobody reads (tests and tools that do not export metrics). */
    public static SaslMetrics discarding() {
        return new SaslMetrics(new SimpleMeterRegistry());
    }

    void reauthenticated(String listener, boolean success) {
        Counter.builder("sluice.sasl.reauthentications")
                .description("SASL re-authentications of established connections")
                .tag("listener", listener)
                .tag("result", success ? "success" : "failure")
                .register(registry)
                .increment();
    }

    void expiredConnectionKilled(String listener) {
        Counter.builder("sluice.sasl.expired.connections.killed")
                .description("Connections closed because their SASL session ended before they re-authenticated")
                .tag("listener", listener)
                .register(registry)
                .increment();
    }
}
