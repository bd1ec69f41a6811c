package io.sluice.broker.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's HTTP endpoint for operators, on {@code metrics.port}:
 *
 * <ul>
 *   <li>{@code GET /metrics}: the registry in the Prometheus text format (version 0.0.4);
 *   <li>{@code GET /health}: {@code 200 {"status":"UP","broker":N}} while the supplied health check finds no problem
 *       (the broker wires it to its {@code BrokerHealth}: registered, no dead must-not-die thread, no stuck replica
 *       fetcher, caught up), else {@code 503 {"status":"DOWN","broker":N,"reason":"..."}} with the problem as reason.
 * </ul>
 *
 * Other paths answer 404, other methods 405 ({@code HEAD} is served like {@code GET}, without a body).
 *
 * <p>Lifecycle: {@code NEW → STARTED → CLOSED} (or {@code NEW → CLOSED}), each step a compare-and-set; {@link #start}
 * runs at most once, {@link #close} is safe to call twice and from any thread.
 *
 * <p>Concurrency: requests are served on one daemon thread owned by this server; the registry and the health
 * suppliers must be safe to call from that thread. {@link #start} and {@link #close} are serialized by the monitor of
 * this object; {@code server} and {@code executor} are written under it and read by {@link #port()} via volatile.
 */
public final class MetricsHttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetricsHttpServer.class);
    private static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final String JSON_CONTENT_TYPE = "application/json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private enum State {
        NEW,
        STARTED,
        CLOSED
    }

    private final int brokerId;
    private final String logPrefix;
    private final InetSocketAddress bindAddress;
    private final PrometheusMeterRegistry registry;
    private final Supplier<Optional<String>> healthProblem;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private volatile HttpServer server;
    private volatile ExecutorService executor;

    /**
     * @param brokerId the broker id, for logs and the health document
     * @param bindAddress where to listen; port 0 picks a free port (see {@link #port()})
     * @param registry the registry scraped by {@code /metrics}
     * @param healthy whether {@code /health} answers 200
     * @param unhealthyReason the reason given with a 503
     */
    public MetricsHttpServer(
            int brokerId,
            InetSocketAddress bindAddress,
            PrometheusMeterRegistry registry,
            BooleanSupplier healthy,
            Supplier<String> unhealthyReason) {
        this(brokerId, bindAddress, registry, problemOf(healthy, unhealthyReason));
    }

    private static Supplier<Optional<String>> problemOf(BooleanSupplier healthy, Supplier<String> unhealthyReason) {
        Objects.requireNonNull(healthy, "healthy");
        Objects.requireNonNull(unhealthyReason, "unhealthyReason");
        return () -> healthy.getAsBoolean() ? Optional.empty() : Optional.of(String.valueOf(unhealthyReason.get()));
    }

    /**
     * @param brokerId the broker id, for logs and the health document
     * @param bindAddress where to listen; port 0 picks a free port (see {@link #port()})
     * @param registry the registry scraped by {@code /metrics}
     * @param healthProblem why {@code /health} answers 503, empty for 200; evaluated once per request
     */
    public MetricsHttpServer(
            int brokerId,
            InetSocketAddress bindAddress,
            PrometheusMeterRegistry registry,
            Supplier<Optional<String>> healthProblem) {
        this.brokerId = brokerId;
        this.logPrefix = "[MetricsHttpServer broker=" + brokerId + "]";
        this.bindAddress = Objects.requireNonNull(bindAddress, "bindAddress");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.healthProblem = Objects.requireNonNull(healthProblem, "healthProblem");
    }

    /**
     * Binds the socket and starts serving.
     *
     * @throws IllegalStateException if started before or closed
     * @throws UncheckedIOException if the address cannot be bound (for example, the port is in use)
     */
    public synchronized void start() {
        if (!state.compareAndSet(State.NEW, State.STARTED)) {
            throw new IllegalStateException(logPrefix + " cannot start in state " + state.get());
        }
        HttpServer http;
        try {
            http = HttpServer.create(bindAddress, 16);
        } catch (IOException e) {
            state.set(State.CLOSED);
            throw new UncheckedIOException(logPrefix + " cannot bind " + bindAddress + ": " + e.getMessage(), e);
        }
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sluice-metrics-http-" + brokerId);
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(pool);
        http.createContext("/", this::handle);
        http.start();
        this.executor = pool;
        this.server = http;
        log.info("{} serving /metrics and /health on {}", logPrefix, http.getAddress());
    }

    /** The bound port, or -1 before {@link #start}. */
    public int port() {
        HttpServer http = server;
        return http == null ? -1 : http.getAddress().getPort();
    }

    @Override
    public synchronized void close() {
        State previous = state.getAndSet(State.CLOSED);
        if (previous != State.STARTED) {
            return;
        }
        HttpServer http = server;
        ExecutorService pool = executor;
        if (http != null) {
            stop(http, pool);
            log.info("{} stopped", logPrefix);
        }
    }

    private static void stop(HttpServer http, ExecutorService pool) {
        http.stop(0);
        pool.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            boolean head = "HEAD".equals(method);
            if (!head && !"GET".equals(method)) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                respond(exchange, 405, "text/plain", "Method not allowed\n", false);
                return;
            }
            switch (exchange.getRequestURI().getPath()) {
                case "/metrics" -> respond(exchange, 200, PROMETHEUS_CONTENT_TYPE, registry.scrape(), head);
                case "/health" -> health(exchange, head);
                default -> respond(exchange, 404, "text/plain", "Not found; try /metrics or /health\n", head);
            }
        } catch (RuntimeException e) {
            log.warn("{} request {} failed", logPrefix, exchange.getRequestURI(), e);
            throw e;
        }
    }

    private void health(HttpExchange exchange, boolean head) throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        Optional<String> problem = healthProblem.get();
        boolean up = problem.isEmpty();
        doc.put("status", up ? "UP" : "DOWN");
        doc.put("broker", brokerId);
        problem.ifPresent(reason -> doc.put("reason", reason));
        respond(exchange, up ? 200 : 503, JSON_CONTENT_TYPE, JSON.writeValueAsString(doc) + "\n", head);
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body, boolean head)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        if (head) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
