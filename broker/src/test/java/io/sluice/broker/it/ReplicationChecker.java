package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Records what a producer was told about every record it sent, per partition in send order, and checks what a
 * consumer reads against it (the invariants of docs/design.md#invariants):
 *
 * <ul>
 *   <li>every acknowledged record is present exactly once, at the offset it was acknowledged with;
 *   <li>a record whose send failed with a definite error ({@link NotEnoughReplicasException}: nothing was appended)
 *       is absent;
 *   <li>a record with an unknown outcome (timeout, or an error after the append) appears at most once;
 *   <li>records appear in send order per partition, and nothing appears that was not sent.
 * </ul>
 *
 * <p>Every record carries its sequence number in a {@code seq} header. Concurrency: {@link #send} may be called from
 * any thread; outcomes are written by the producer's I/O thread into concurrent maps; {@link #verify} runs after the
 * producer is flushed.
 */
final class ReplicationChecker {
    /** What the producer said about one record. */
    enum Outcome {
        PENDING,
        ACKED,
        FAILED,
        UNKNOWN
    }

    private final String topic;
    private final AtomicInteger nextSeq = new AtomicInteger();
    private final Map<Integer, List<Integer>> sentByPartition = new ConcurrentHashMap<>();
    private final Map<Integer, Outcome> outcomes = new ConcurrentHashMap<>();
    private final Map<Integer, Long> ackedOffsets = new ConcurrentHashMap<>();

    ReplicationChecker(String topic) {
        this.topic = topic;
    }

    /** Sends record number {@code next} to {@code partition} and records its outcome when the producer learns it. */
    Future<RecordMetadata> send(KafkaProducer<byte[], byte[]> producer, int partition) {
        int seq = nextSeq.getAndIncrement();
        byte[] value = ("value-" + seq + "-" + "x".repeat(seq % 61)).getBytes(StandardCharsets.UTF_8);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(
                topic,
                partition,
                System.currentTimeMillis(),
                ("key-" + seq).getBytes(StandardCharsets.UTF_8),
                value,
                List.of(new RecordHeader("seq", Integer.toString(seq).getBytes(StandardCharsets.UTF_8))));
        outcomes.put(seq, Outcome.PENDING);
        // the list is appended before send so that per-partition send order is the order of this list
        sentByPartition
                .computeIfAbsent(partition, p -> new CopyOnWriteArrayList<>())
                .add(seq);
        return producer.send(record, (metadata, error) -> {
            if (error == null) {
                ackedOffsets.put(seq, metadata.offset());
                outcomes.put(seq, Outcome.ACKED);
            } else if (error instanceof NotEnoughReplicasException) {
                outcomes.put(seq, Outcome.FAILED);
            } else {
                outcomes.put(seq, Outcome.UNKNOWN);
            }
        });
    }

    /**
     * Starts a writer that sends records round-robin over {@code partitions} until {@code stop} is set, flushing every
     * 300 records (so a stalled cluster blocks the writer in flush instead of piling up sends).
     */
    CompletableFuture<Void> writeUntil(KafkaProducer<byte[], byte[]> producer, int partitions, AtomicBoolean stop) {
        return CompletableFuture.runAsync(() -> {
            int i = 0;
            while (!stop.get()) {
                send(producer, i++ % partitions);
                if (i % 300 == 0) {
                    producer.flush();
                }
            }
        });
    }

    int sent() {
        return nextSeq.get();
    }

    long count(Outcome outcome) {
        return outcomes.values().stream().filter(o -> o == outcome).count();
    }

    /** Sent, acknowledged, failed and unknown counts, for the test's log. */
    String summary() {
        return String.format(
                "sent %d: acked %d, failed %d, unknown %d",
                sent(), count(Outcome.ACKED), count(Outcome.FAILED), count(Outcome.UNKNOWN));
    }

    /** The sequence numbers acknowledged so far, with their offsets. */
    Map<Integer, Long> acked() {
        return Map.copyOf(ackedOffsets);
    }

    /**
     * Reads every partition that was written from the beginning to its end offset and checks the invariants; returns
     * the sequence number at each offset, per partition.
     */
    Map<TopicPartition, Map<Long, Integer>> verify(KafkaConsumer<byte[], byte[]> consumer, Duration deadline) {
        assertThat(outcomes).as("every send completed").doesNotContainValue(Outcome.PENDING);
        Map<TopicPartition, Map<Long, Integer>> contents = new HashMap<>();
        for (Map.Entry<Integer, List<Integer>> e : sentByPartition.entrySet()) {
            TopicPartition tp = new TopicPartition(topic, e.getKey());
            List<ConsumerRecord<byte[], byte[]>> read = readToEnd(consumer, tp, deadline);
            verifyPartition(tp, List.copyOf(e.getValue()), read);
            Map<Long, Integer> bySeq = new HashMap<>();
            read.forEach(r -> bySeq.put(r.offset(), seqOf(r)));
            contents.put(tp, bySeq);
        }
        return contents;
    }

    /**
     * Asserts that everything a consumer saw while faults were injected ({@code observed}: sequence number per offset,
     * per partition) is still in the final logs ({@code contents}, from {@link #verify}) at the same offset: no
     * consumer read a record that later disappeared.
     */
    static void assertNothingObservedDisappeared(
            Map<TopicPartition, Map<Long, Integer>> observed, Map<TopicPartition, Map<Long, Integer>> contents) {
        observed.forEach((tp, seen) -> {
            Map<Long, Integer> now = contents.getOrDefault(tp, Map.of());
            seen.forEach((offset, seq) -> assertThat(now.get(offset))
                    .as("record seen at %s offset %d is still there", tp, offset)
                    .isEqualTo(seq));
        });
    }

    private void verifyPartition(
            TopicPartition tp, List<Integer> sentOrder, List<ConsumerRecord<byte[], byte[]>> read) {
        Map<Integer, Integer> sendIndex = new HashMap<>();
        for (int i = 0; i < sentOrder.size(); i++) {
            sendIndex.put(sentOrder.get(i), i);
        }
        Set<Integer> seen = new HashSet<>();
        int lastIndex = -1;
        for (ConsumerRecord<byte[], byte[]> r : read) {
            int seq = seqOf(r);
            Integer index = sendIndex.get(seq);
            assertThat(index)
                    .as("record %d at %s offset %d was sent to %s", seq, tp, r.offset(), tp)
                    .isNotNull();
            assertThat(seen.add(seq))
                    .as("record %d appears once in %s (again at offset %d)", seq, tp, r.offset())
                    .isTrue();
            assertThat(index)
                    .as("record %d at %s offset %d is in send order", seq, tp, r.offset())
                    .isGreaterThan(lastIndex);
            lastIndex = index;
            Outcome outcome = outcomes.get(seq);
            assertThat(outcome)
                    .as("record %d at %s offset %d failed with a definite error", seq, tp, r.offset())
                    .isNotEqualTo(Outcome.FAILED);
            if (outcome == Outcome.ACKED) {
                assertThat(r.offset())
                        .as("record %d is at the offset it was acknowledged with", seq)
                        .isEqualTo(ackedOffsets.get(seq));
            }
        }
        List<Integer> lost = new ArrayList<>();
        for (int seq : sentOrder) {
            if (outcomes.get(seq) == Outcome.ACKED && !seen.contains(seq)) {
                lost.add(seq);
            }
        }
        assertThat(lost).as("acknowledged records missing from %s", tp).isEmpty();
    }

    /** Every record of {@code tp} from the beginning up to its end offset (the high watermark) at call time. */
    static List<ConsumerRecord<byte[], byte[]>> readToEnd(
            KafkaConsumer<byte[], byte[]> consumer, TopicPartition tp, Duration deadline) {
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        long end = consumer.endOffsets(List.of(tp), deadline).get(tp);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        long until = System.nanoTime() + deadline.toNanos();
        while (consumer.position(tp, deadline) < end && System.nanoTime() < until) {
            out.addAll(consumer.poll(Duration.ofMillis(200)).records(tp));
        }
        assertThat(consumer.position(tp, deadline))
                .as("read %s to its end offset", tp)
                .isEqualTo(end);
        return out;
    }

    static int seqOf(ConsumerRecord<byte[], byte[]> r) {
        return Integer.parseInt(new String(r.headers().lastHeader("seq").value(), StandardCharsets.UTF_8));
    }
}
