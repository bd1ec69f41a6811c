package io.sluice.replication.remote;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;

/**
 * The remote log manager's meters, per topic as Kafka's {@code BrokerTopicMetrics}: {@code
 * kafka.server.remote.copy.bytes} and {@code .fetch.bytes} (counters; Kafka's RemoteCopyBytesPerSec and
 * RemoteFetchBytesPerSec), {@code .copy.lag.bytes} (gauge: bytes of rolled, committed segments not yet copied; Kafka's
 * RemoteCopyLagBytes) and {@code .log.size.bytes} (gauge: bytes in the remote tier; Kafka's RemoteLogSizeBytes), both
 * summed over the partitions this broker leads.
 *
 * <p>Thread-safety: safe for any number of threads.
 */
final class RemoteLogManagerMetrics {
    private final MeterRegistry registry;
    private final Map<String, Counter> copyBytes = new ConcurrentHashMap<>();
    private final Map<String, Counter> fetchBytes = new ConcurrentHashMap<>();
    private final Map<TopicPartition, long[]> sizes = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> registeredGauges = new ConcurrentHashMap<>();

    RemoteLogManagerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void copied(String topic, long bytes) {
        copyBytes
                .computeIfAbsent(
                        topic,
                        t -> Counter.builder("kafka.server.remote.copy.bytes")
                                .tag("topic", t)
                                .description("Bytes copied to the remote tier")
                                .register(registry))
                .increment(bytes);
    }

    void fetched(String topic, long bytes) {
        fetchBytes
                .computeIfAbsent(
                        topic,
                        t -> Counter.builder("kafka.server.remote.fetch.bytes")
                                .tag("topic", t)
                                .description("Bytes read from the remote tier for fetches")
                                .register(registry))
                .increment(bytes);
    }

    /** The partition's copy lag and remote size as of its last leader task run. */
    void partitionSizes(TopicPartition tp, long copyLagBytes, long remoteLogSizeBytes) {
        sizes.put(tp, new long[] {copyLagBytes, remoteLogSizeBytes});
        registeredGauges.computeIfAbsent(tp.topic(), this::registerGauges);
    }

    void removePartition(TopicPartition tp) {
        sizes.remove(tp);
    }

    private AtomicLong registerGauges(String topic) {
        Gauge.builder("kafka.server.remote.copy.lag.bytes", () -> sum(topic, 0))
                .tag("topic", topic)
                .description("Bytes of rolled, committed segments not yet copied to the remote tier")
                .register(registry);
        Gauge.builder("kafka.server.remote.log.size.bytes", () -> sum(topic, 1))
                .tag("topic", topic)
                .description("Bytes of the topic's segments in the remote tier")
                .register(registry);
        return new AtomicLong();
    }

    private double sum(String topic, int index) {
        long total = 0;
        for (Map.Entry<TopicPartition, long[]> e : sizes.entrySet()) {
            if (e.getKey().topic().equals(topic)) {
                total += e.getValue()[index];
            }
        }
        return total;
    }
}
