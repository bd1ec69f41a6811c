package io.sluice.broker.quota;

import io.sluice.replication.quota.WindowedRate;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * Measures what clients use against their quotas and says how long to throttle them, as Kafka's
 * {@code ClientQuotaManager} does: each request's bytes (or handler time) are recorded on the rate of its matched quota
 * entity (see {@link QuotaResolver} for precedence and which requests share a rate), measured over
 * {@code quota.window.num} samples of {@code quota.window.size.seconds}; when the rate is over the bound the throttle
 * time is how long the client must stay silent for the rate to fall back to it:
 *
 * <pre>
 *   throttle = (observed - bound) / bound * window = recorded / bound - window
 * </pre>
 *
 * (the window being the measured span, at least one sample; {@link WindowedRate#msUntilAtMost}), capped at the whole
 * window. Requests with no matching quota are not measured.
 *
 * <p>Rates idle for longer than {@link #IDLE_EXPIRY_MS} are dropped, so a quota on a {@code <default>} entity keeps
 * only the rates of clients that are active.
 *
 * <p>Concurrency: thread-safe. Rates live in concurrent maps, each {@link WindowedRate} synchronizes itself; the quota
 * snapshot is read through {@code quotas}, an immutable map swapped by its owner.
 */
public final class ClientQuotaManager {
    /** A rate not recorded on for this long is dropped (Kafka expires its quota sensors after an hour). */
    static final long IDLE_EXPIRY_MS = 3_600_000L;

    /** Enforces nothing: no quota ever applies (and {@link QuotaEnforcement#wrap} leaves handlers unwrapped). */
    public static final ClientQuotaManager NONE = new ClientQuotaManager(Map::of, 11, 1_000, ClientQuotaMetrics.NOOP);

    private record Tracked(WindowedRate rate, AtomicLong lastRecordMs) {}

    private final Supplier<Map<QuotaEntity, Map<String, Double>>> quotas;
    private final int samples;
    private final long sampleMs;
    private final ClientQuotaMetrics metrics;
    private final Map<QuotaType, Map<String, Tracked>> rates = new EnumMap<>(QuotaType.class);
    private volatile long nextExpiryMs;

    /**
     * @param quotas the current quotas (e.g. {@link QuotaCache#quotas()})
     * @param samples {@code quota.window.num}
     * @param sampleMs {@code quota.window.size.seconds} in ms
     */
    public ClientQuotaManager(
            Supplier<Map<QuotaEntity, Map<String, Double>>> quotas,
            int samples,
            long sampleMs,
            ClientQuotaMetrics metrics) {
        this.quotas = Objects.requireNonNull(quotas, "quotas");
        this.samples = samples;
        this.sampleMs = sampleMs;
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        for (QuotaType type : QuotaType.values()) {
            rates.put(type, new ConcurrentHashMap<>());
        }
    }

    /** Length of the whole quota window in ms. */
    public long windowMs() {
        return samples * sampleMs;
    }

    /**
     * Records {@code amount} (bytes; for {@link QuotaType#REQUEST} microseconds of handler time) at {@code nowMs} for
     * the request's user and client id, and returns how long to throttle the client: 0 when no quota applies or the
     * rate is within it.
     */
    public long recordAndGetThrottleMs(
            KafkaPrincipal principal, String clientId, QuotaType type, long amount, long nowMs) {
        Optional<QuotaResolver.Match> match = QuotaResolver.resolve(quotas.get(), principal.getName(), clientId, type);
        if (match.isEmpty()) {
            return 0;
        }
        QuotaResolver.Match m = match.get();
        maybeExpire(nowMs);
        Tracked tracked = rates.get(type)
                .computeIfAbsent(
                        m.rateKey(), k -> new Tracked(new WindowedRate(samples, sampleMs), new AtomicLong(nowMs)));
        tracked.rate().record(nowMs, amount);
        tracked.lastRecordMs().set(nowMs);
        long throttleMs = throttleMs(tracked.rate(), perSecond(type, m.bound()), nowMs, windowMs());
        metrics.recorded(type, m.entity(), amount, throttleMs);
        return throttleMs;
    }

    /**
     * A quota value in recorded units per second: bytes/s as is; {@code request_percentage} p (100 = one thread's
     * whole time) as p * 10,000 microseconds/s.
     */
    static long perSecond(QuotaType type, double bound) {
        double perSec = type == QuotaType.REQUEST ? bound * 10_000.0 : bound;
        return Math.max(1L, (long) Math.floor(perSec));
    }

    /** The throttle time over {@code rate} for a bound of {@code boundPerSec}, capped at {@code maxMs}. */
    static long throttleMs(WindowedRate rate, long boundPerSec, long nowMs, long maxMs) {
        return Math.min(maxMs, rate.msUntilAtMost(nowMs, boundPerSec));
    }

    /** The rate currently measured for a key, for tests and metrics; 0 if none. */
    double rate(QuotaType type, String user, String clientId, long nowMs) {
        Tracked tracked = rates.get(type).get(user + "\u0000" + clientId);
        return tracked == null ? 0.0 : tracked.rate().rate(nowMs);
    }

    private void maybeExpire(long nowMs) {
        if (nowMs < nextExpiryMs) {
            return;
        }
        nextExpiryMs = nowMs + 60_000L;
        for (Map<String, Tracked> byKey : rates.values()) {
            byKey.values().removeIf(t -> nowMs - t.lastRecordMs().get() > IDLE_EXPIRY_MS);
        }
    }
}
