package io.sluice.broker.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-topic traffic meters, registered lazily on first use of a topic:
 *
 * <ul>
 *   <li>{@value #BYTES_IN} — bytes of record batches appended by produce requests (as leader), tag {@code topic};
 *   <li>{@value #MESSAGES_IN} — records appended by produce requests, tag {@code topic};
 *   <li>{@value #BYTES_OUT} — bytes of record batches returned by fetch requests, tags {@code topic} and
 *       {@code fetcher} ({@code consumer} or {@code follower}).
 * </ul>
 *
 * <p>Counting costs no record decoding: sizes come from the batches' byte lengths and record counts from the
 * assigned offsets. Thread-safety: safe for concurrent use; meters are created once per key.
 */
public final class TopicMetrics {

    public static final String BYTES_IN = "sluice.broker.topic.bytes.in";
    public static final String MESSAGES_IN = "sluice.broker.topic.messages.in";
    public static final String BYTES_OUT = "sluice.broker.topic.bytes.out";

    /** Meters nothing (tests and tools that have no registry). */
    public static final TopicMetrics NOOP = new TopicMetrics(null);

    private final MeterRegistry registry;
    private final Map<String, Counter> bytesIn = new ConcurrentHashMap<>();
    private final Map<String, Counter> messagesIn = new ConcurrentHashMap<>();
    private final Map<String, Counter> consumerBytesOut = new ConcurrentHashMap<>();
    private final Map<String, Counter> followerBytesOut = new ConcurrentHashMap<>();

    public TopicMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A produce appended {@code bytes} bytes holding {@code records} records to {@code topic}. */
    public void produced(String topic, long bytes, long records) {
        if (registry == null) {
            return;
        }
        counter(bytesIn, BYTES_IN, topic, null, "bytes").increment(bytes);
        counter(messagesIn, MESSAGES_IN, topic, null, null).increment(records);
    }

    /** A fetch returned {@code bytes} bytes of {@code topic}, to a follower replica or a consumer. */
    public void fetched(String topic, long bytes, boolean byFollower) {
        if (registry == null || bytes <= 0) {
            return;
        }
        counter(
                        byFollower ? followerBytesOut : consumerBytesOut,
                        BYTES_OUT,
                        topic,
                        byFollower ? "follower" : "consumer",
                        "bytes")
                .increment(bytes);
    }

    private Counter counter(Map<String, Counter> cache, String name, String topic, String fetcher, String unit) {
        Objects.requireNonNull(topic, "topic");
        return cache.computeIfAbsent(topic, t -> {
            Counter.Builder builder = Counter.builder(name).tag("topic", t);
            if (fetcher != null) {
                builder.tag("fetcher", fetcher);
            }
            if (unit != null) {
                builder.baseUnit(unit);
            }
            return builder.register(registry);
        });
    }
}
