package io.sluice.replication.quota;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One side's replication throttle on this broker (Kafka's {@code ReplicationQuotaManager}): the configured rate
 * ({@code leader.replication.throttled.rate} or {@code follower.replication.throttled.rate}, bytes/s, {@link
 * Long#MAX_VALUE} meaning unlimited), the throttled partitions per topic (from the topic's throttled-replicas list,
 * see {@link ThrottledPartitions}) and the {@link WindowedRate} of the throttled bytes. The quota is exceeded when that
 * rate is above the configured one.
 *
 * <p>Concurrency: thread-safe. The rate and the throttled topics are updated by the config thread, read by request
 * handler and fetcher threads: the rate is a volatile field, the topics a concurrent map, the byte rate synchronized
 * (see {@link WindowedRate}).
 */
public final class ReplicationQuotaManager implements ReplicaQuota, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicationQuotaManager.class);

    /** Which fetch path a quota throttles. */
    public enum Side {
        /** The leader answering follower fetches ({@code leader.replication.throttled.*}). */
        LEADER,
        /** The follower fetching from leaders ({@code follower.replication.throttled.*}). */
        FOLLOWER;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** No limit: Kafka's default of both rate keys. */
    public static final long UNLIMITED = Long.MAX_VALUE;

    private final Side side;
    private final Clock clock;
    private final WindowedRate rate;
    private final String logPrefix;
    private final Map<String, ThrottledPartitions> throttled = new ConcurrentHashMap<>();
    private final ReplicationQuotaMetrics metrics;
    private volatile long limitBytesPerSec = UNLIMITED;

    /**
     * @param samples samples in the rate window ({@code replication.quota.window.num})
     * @param sampleMs length of one sample ({@code replication.quota.window.size.seconds} in ms)
     */
    public ReplicationQuotaManager(
            Side side, int brokerId, int samples, long sampleMs, Clock clock, MeterRegistry registry) {
        this.side = Objects.requireNonNull(side, "side");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.rate = new WindowedRate(samples, sampleMs);
        this.logPrefix = "[ReplicationQuota broker=" + brokerId + " side=" + side.tag() + "] ";
        this.metrics = new ReplicationQuotaMetrics(registry, side.tag(), this);
    }

    public Side side() {
        return side;
    }

    /** Sets the rate in bytes/s; {@link #UNLIMITED} lifts the limit. */
    public void updateLimit(long bytesPerSec) {
        if (bytesPerSec < 0) {
            throw new IllegalArgumentException("a replication throttle rate must be >= 0, got " + bytesPerSec);
        }
        long previous = limitBytesPerSec;
        limitBytesPerSec = bytesPerSec;
        if (previous != bytesPerSec) {
            log.info(
                    "{}Throttle rate is now {}",
                    logPrefix,
                    bytesPerSec == UNLIMITED ? "unlimited" : bytesPerSec + " bytes/s");
        }
    }

    /** The configured rate in bytes/s, {@link #UNLIMITED} if none. */
    public long limit() {
        return limitBytesPerSec;
    }

    /** Throttles {@code partitions} of {@code topic} (replacing what was throttled of it); none removes the topic. */
    public void markThrottled(String topic, ThrottledPartitions partitions) {
        ThrottledPartitions previous =
                partitions.isEmpty() ? throttled.remove(topic) : throttled.put(topic, partitions);
        if (!partitions.equals(previous == null ? ThrottledPartitions.NONE : previous)) {
            log.info(
                    "{}Throttled partitions of topic {} are now {}",
                    logPrefix,
                    topic,
                    partitions.all() ? "all" : partitions.partitions());
        }
    }

    /** Throttles nothing of {@code topic} any more. */
    public void removeThrottle(String topic) {
        markThrottled(topic, ThrottledPartitions.NONE);
    }

    @Override
    public boolean isThrottled(TopicPartition tp) {
        ThrottledPartitions partitions = throttled.get(tp.topic());
        return partitions != null && partitions.contains(tp.partition());
    }

    @Override
    public boolean isQuotaExceeded() {
        long limit = limitBytesPerSec;
        return limit != UNLIMITED && rate.rate(clock.millis()) > limit;
    }

    @Override
    public void record(long bytes) {
        if (bytes <= 0) {
            return;
        }
        rate.record(clock.millis(), bytes);
        metrics.recorded(bytes);
    }

    @Override
    public long msUntilWithinQuota() {
        long limit = limitBytesPerSec;
        return limit == UNLIMITED ? 0 : rate.msUntilAtMost(clock.millis(), limit);
    }

    /** The throttled bytes per second over the window now. */
    public double currentRate() {
        return rate.rate(clock.millis());
    }

    @Override
    public void close() {
        metrics.close();
    }

    @Override
    public String toString() {
        return logPrefix.trim();
    }
}
