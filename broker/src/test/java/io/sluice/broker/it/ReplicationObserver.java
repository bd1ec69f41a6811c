package io.sluice.broker.it;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * A consumer that reads the given partitions from the beginning on its own thread while a test injects faults, and
 * remembers the sequence number (the {@code seq} header) it saw at each offset. Reading the same offset twice with
 * different records, or an offset out of range, fails it at once; {@link ReplicationChecker#assertNothingObservedDisappeared} compares the rest
 * with the final logs.
 *
 * <p>Concurrency: the polling thread writes {@link #observed()} (concurrent maps); the test thread reads it after
 * {@link #close()}, which stops the thread and rethrows what it failed with.
 */
final class ReplicationObserver implements AutoCloseable {
    private final Map<TopicPartition, Map<Long, Integer>> observed = new ConcurrentHashMap<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final CompletableFuture<Void> reader;

    ReplicationObserver(String bootstrap, Collection<TopicPartition> tps) {
        List<TopicPartition> assigned = List.copyOf(tps);
        reader = CompletableFuture.runAsync(() -> {
            // no automatic reset: an OFFSET_OUT_OF_RANGE (e.g. a fetch between a new leader's HW and LEO) fails the
            // test
            try (KafkaConsumer<byte[], byte[]> consumer =
                    Clients.consumer(bootstrap, Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none"))) {
                consumer.assign(assigned);
                consumer.seekToBeginning(assigned);
                while (!stop.get()) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                        int seq = ReplicationChecker.seqOf(r);
                        Integer before = observed.computeIfAbsent(tp, k -> new ConcurrentHashMap<>())
                                .putIfAbsent(r.offset(), seq);
                        if (before != null && before != seq) {
                            throw new AssertionError(
                                    tp + " offset " + r.offset() + " read as record " + before + " and as " + seq);
                        }
                    }
                }
            }
        });
    }

    /** Sequence number seen at each offset, per partition. */
    Map<TopicPartition, Map<Long, Integer>> observed() {
        return observed;
    }

    /** How many records were seen. */
    int count() {
        return observed.values().stream().mapToInt(Map::size).sum();
    }

    @Override
    public void close() throws Exception {
        stop.set(true);
        reader.get(30, TimeUnit.SECONDS);
    }
}
