package io.sluice.broker.network;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Micrometer meters of the network layer: open connections, bytes in and out, requests and their latency per API
 * (receive to response written), their queue time per API (receive to handler start), connections closed for bad
 * input or by a limit, backpressure pauses, acceptor pauses, the handler queue depth and the time the handler pool
 * threads spend running requests (its rate over the thread count is the pool's busy ratio; Kafka's
 * {@code RequestHandlerAvgIdlePercent} is one minus it).
 *
 * <p>Concurrency: thread-safe; meters are registered lazily through concurrent maps.
 */
public final class NetworkMetrics {

    private final MeterRegistry registry;
    private final AtomicInteger connections = new AtomicInteger();
    private final Counter bytesIn;
    private final Counter bytesOut;
    private final Counter backpressurePauses;
    private final Map<ApiKeys, Timer> latency = new ConcurrentHashMap<>();
    private final Map<ApiKeys, Timer> queueTime = new ConcurrentHashMap<>();
    private final Counter handlerBusy;
    private final Map<String, Counter> rejected = new ConcurrentHashMap<>();
    private final Map<String, Counter> limited = new ConcurrentHashMap<>();
    private final Counter acceptorPauses;

    public NetworkMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("sluice.network.connections", connections, AtomicInteger::get)
                .description("Open client connections")
                .register(registry);
        this.bytesIn = Counter.builder("sluice.network.bytes.in")
                .baseUnit("bytes")
                .description("Request bytes read, including length prefixes")
                .register(registry);
        this.bytesOut = Counter.builder("sluice.network.bytes.out")
                .baseUnit("bytes")
                .description("Response bytes written, including length prefixes")
                .register(registry);
        this.backpressurePauses = Counter.builder("sluice.network.backpressure.pauses")
                .description("Times a connection stopped being read because the request queue was full")
                .register(registry);
        this.acceptorPauses = Counter.builder("sluice.network.acceptor.pauses")
                .description("Times the acceptors stopped accepting because max.connections was reached")
                .register(registry);
        this.handlerBusy = Counter.builder("sluice.network.request.handler.busy")
                .baseUnit("seconds")
                .description("Time the request handler threads spent running requests")
                .register(registry);
    }

    void connectionOpened() {
        connections.incrementAndGet();
    }

    void connectionClosed() {
        connections.decrementAndGet();
    }

    void bytesIn(long bytes) {
        bytesIn.increment(bytes);
    }

    void bytesOut(long bytes) {
        bytesOut.increment(bytes);
    }

    void backpressurePause() {
        backpressurePauses.increment();
    }

    /** A request of {@code apiKey} was answered (or released without a response) {@code elapsed} after receipt. */
    void requestCompleted(ApiKeys apiKey, Duration elapsed) {
        latency.computeIfAbsent(
                        apiKey,
                        key -> Timer.builder("sluice.network.request.latency")
                                .description("Time from a request's receipt to its response being written")
                                .tag("api", key.name)
                                .register(registry))
                .record(elapsed);
    }

    /** The handler of a request of {@code apiKey} started {@code queued} after the request was received. */
    void requestDequeued(ApiKeys apiKey, Duration queued) {
        queueTime
                .computeIfAbsent(
                        apiKey,
                        key -> Timer.builder("sluice.network.request.queue.time")
                                .description("Time from a request's receipt to its handler starting")
                                .tag("api", key.name)
                                .register(registry))
                .record(queued);
    }

    /** A request handler thread spent {@code nanos} running one task. */
    void handlerBusy(long nanos) {
        handlerBusy.increment(nanos / 1e9);
    }

    /**
     * Registers the network threads' (Netty event loops') CPU time and their number: {@code 1 -
     * rate(sluice_network_processor_busy_seconds_total) / sluice_network_processor_threads} is their idle ratio,
     * Kafka's {@code NetworkProcessorAvgIdlePercent}.
     */
    void networkThreads(int threads, EventLoopBusyTime busy) {
        FunctionCounter.builder("sluice.network.processor.busy", busy, b -> b.busyNanos() / 1e9)
                .baseUnit("seconds")
                .description("CPU time of the network threads (the Netty event loops serving the listeners)")
                .register(registry);
        Gauge.builder("sluice.network.processor.threads", () -> threads)
                .description("Network threads (num.network.threads)")
                .register(registry);
    }

    /** Registers a gauge of the number of request handler threads. */
    void handlerThreads(int threads) {
        Gauge.builder("sluice.network.request.handler.threads", () -> threads)
                .description("Request handler threads (num.io.threads)")
                .register(registry);
    }

    /** A connection was closed because of bad input ({@code reason}: frame_size, malformed_body, ...). */
    void connectionRejected(String reason) {
        rejected.computeIfAbsent(
                        reason,
                        r -> Counter.builder("sluice.network.rejected.connections")
                                .description("Connections closed because of invalid requests")
                                .tag("reason", r)
                                .register(registry))
                .increment();
    }

    /**
     * A connection was refused or closed by a limit ({@code reason}: max_connections_per_ip, max_connections, idle).
     */
    void connectionLimited(String reason) {
        limited.computeIfAbsent(
                        reason,
                        r -> Counter.builder("sluice.network.limited.connections")
                                .description("Connections refused or closed by a connection limit or the idle timeout")
                                .tag("reason", r)
                                .register(registry))
                .increment();
    }

    void acceptorPaused() {
        acceptorPauses.increment();
    }

    /** Registers a gauge of the request handler queue. */
    void queueDepth(Supplier<Number> depth) {
        Gauge.builder("sluice.network.request.queue.size", depth).register(registry);
    }
}
