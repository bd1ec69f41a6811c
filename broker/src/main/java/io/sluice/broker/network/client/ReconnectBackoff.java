package io.sluice.broker.network.client;

import java.time.Duration;
import java.util.Objects;
import java.util.Random;

/**
 * Exponential reconnect backoff with jitter, like Kafka's {@code reconnect.backoff.ms} /
 * {@code reconnect.backoff.max.ms}: after the n-th consecutive failure the delay is
 * {@code min(max, min * 2^(n-1))}, scaled by a random factor in {@code [1 - jitter, 1 + jitter]} and clamped to
 * {@code [min, max]}.
 *
 * <p>Concurrency: not thread-safe (the {@link Random} is shared); each {@link BrokerClient} uses its own instance on
 * its event loop.
 */
final class ReconnectBackoff {
    static final double DEFAULT_JITTER = 0.2;

    private final long minNanos;
    private final long maxNanos;
    private final double jitter;
    private final Random random;

    ReconnectBackoff(Duration min, Duration max, double jitter, Random random) {
        this.minNanos = min.toNanos();
        this.maxNanos = max.toNanos();
        if (minNanos <= 0 || maxNanos < minNanos) {
            throw new IllegalArgumentException("need 0 < min <= max, got " + min + ", " + max);
        }
        if (jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("jitter must be in [0, 1), was " + jitter);
        }
        this.jitter = jitter;
        this.random = Objects.requireNonNull(random, "random");
    }

    /** Delay in nanoseconds before the next attempt after {@code failures} consecutive failures (0 means none). */
    long delayNanos(int failures) {
        if (failures <= 0) {
            return 0;
        }
        int exponent = Math.min(failures - 1, 30);
        double base = Math.min((double) maxNanos, minNanos * Math.pow(2, exponent));
        double factor = jitter == 0 ? 1.0 : 1.0 - jitter + 2 * jitter * random.nextDouble();
        long delay = (long) (base * factor);
        return Math.max(minNanos, Math.min(maxNanos, delay));
    }
}
