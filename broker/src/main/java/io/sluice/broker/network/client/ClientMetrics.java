package io.sluice.broker.network.client;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Micrometer meters of the outbound broker clients, tagged by API and target node:
 * {@code sluice.broker.client.requests} (written to a connection), {@code sluice.broker.client.failures} (futures
 * failed, tagged with the exception's simple class name as {@code reason}) and
 * {@code sluice.broker.client.latency} (send to response).
 *
 * <p>Concurrency: thread-safe (the registry deduplicates meters).
 */
public final class ClientMetrics {
    /** Records nothing. */
    public static final ClientMetrics NOOP = new ClientMetrics(null);

    private final MeterRegistry registry;

    /** @param registry where to register meters, or {@code null} to record nothing */
    public ClientMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void requestSent(ApiKeys api, int targetNode) {
        if (registry != null) {
            Counter.builder("sluice.broker.client.requests")
                    .description("Requests written to inter-broker connections")
                    .tag("api", api.name)
                    .tag("to", Integer.toString(targetNode))
                    .register(registry)
                    .increment();
        }
    }

    void requestCompleted(ApiKeys api, int targetNode, long latencyNanos) {
        if (registry != null) {
            Timer.builder("sluice.broker.client.latency")
                    .description("Time from writing an inter-broker request to its response")
                    .tag("api", api.name)
                    .tag("to", Integer.toString(targetNode))
                    .register(registry)
                    .record(latencyNanos, TimeUnit.NANOSECONDS);
        }
    }

    void requestFailed(ApiKeys api, int targetNode, Throwable cause) {
        if (registry != null) {
            Counter.builder("sluice.broker.client.failures")
                    .description("Inter-broker requests that failed without a response")
                    .tag("api", api.name)
                    .tag("to", Integer.toString(targetNode))
                    .tag("reason", cause.getClass().getSimpleName())
                    .register(registry)
                    .increment();
        }
    }
}
