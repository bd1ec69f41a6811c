package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Stock Kafka clients configured for the integration tests, and the record checks they share. */
public final class Clients {
    private Clients() {}

    /** A default producer (idempotent, acks=all) with byte-array serializers and the given extra settings. */
    /**
     * Reads {@code partitions} from the beginning with a stock consumer until at least {@code atLeast} records came
     * (waiting up to 30 s); returns how many it read.
     */
    public static int consumeFromStart(String bootstrap, List<TopicPartition> partitions, int atLeast) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            int[] count = {0};
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                count[0] += consumer.poll(Duration.ofMillis(200)).count();
                return count[0] >= atLeast;
            });
            return count[0];
        }
    }

    static KafkaProducer<byte[], byte[]> producer(String bootstrap, Map<String, String> extra) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.putAll(extra);
        return new KafkaProducer<>(props);
    }

    /** A consumer without a group (for {@code assign}), byte-array deserializers, and the given extra settings. */
    static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, Map<String, String> extra) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.putAll(extra);
        return new KafkaConsumer<>(props);
    }

    /** Record {@code i} of a test run: key, value and two headers derived from {@code i}, explicit timestamp. */
    static ProducerRecord<byte[], byte[]> record(String topic, int partition, int i, long timestamp) {
        byte[] key = ("key-" + i).getBytes(StandardCharsets.UTF_8);
        byte[] value = ("value-" + i + "-" + "x".repeat(i % 97)).getBytes(StandardCharsets.UTF_8);
        List<Header> headers = List.of(
                new RecordHeader("seq", Integer.toString(i).getBytes(StandardCharsets.UTF_8)),
                new RecordHeader("origin", "it".getBytes(StandardCharsets.UTF_8)));
        return new ProducerRecord<>(topic, partition, timestamp, key, value, headers);
    }

    /** Waits for every send and returns what the broker acknowledged, in send order. */
    static List<RecordMetadata> awaitAll(List<Future<RecordMetadata>> sends)
            throws InterruptedException, ExecutionException, TimeoutException {
        List<RecordMetadata> acked = new ArrayList<>(sends.size());
        for (Future<RecordMetadata> f : sends) {
            acked.add(f.get(60, TimeUnit.SECONDS));
        }
        return acked;
    }

    /** Reads {@code tp} from the beginning until {@code count} records arrived (or the deadline passed). */
    static List<ConsumerRecord<byte[], byte[]>> readAll(
            KafkaConsumer<byte[], byte[]> consumer, TopicPartition tp, int count, Duration deadline) {
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>(count);
        long end = System.nanoTime() + deadline.toNanos();
        while (out.size() < count && System.nanoTime() < end) {
            consumer.poll(Duration.ofMillis(200)).records(tp).forEach(out::add);
        }
        return out;
    }

    /** Asserts that {@code read} is exactly {@code sent} in order: key, value, headers, timestamp, offsets 0..n-1. */
    static void assertSameRecords(
            List<ProducerRecord<byte[], byte[]>> sent,
            List<RecordMetadata> acked,
            List<ConsumerRecord<byte[], byte[]>> read) {
        assertThat(read).hasSize(sent.size());
        for (int i = 0; i < sent.size(); i++) {
            ProducerRecord<byte[], byte[]> s = sent.get(i);
            ConsumerRecord<byte[], byte[]> r = read.get(i);
            assertThat(r.offset())
                    .as("offset of record %d", i)
                    .isEqualTo(acked.get(i).offset());
            assertThat(r.key()).as("key of record %d", i).isEqualTo(s.key());
            assertThat(r.value()).as("value of record %d", i).isEqualTo(s.value());
            assertThat(r.timestamp()).as("timestamp of record %d", i).isEqualTo(s.timestamp());
            assertThat(headerMap(r.headers().toArray()))
                    .as("headers of record %d", i)
                    .isEqualTo(headerMap(s.headers().toArray()));
        }
    }

    /** Headers as {@code key=value} strings, in record order (Kafka keeps header order and duplicates). */
    private static List<String> headerMap(Header[] headers) {
        return Arrays.stream(headers)
                .map(h -> h.key() + "=" + new String(h.value(), StandardCharsets.UTF_8))
                .toList();
    }
}
