import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Many clients on a many-partition topic, in one JVM: {@code CONSUMERS} consumers of one group subscribe to
 * {@code TOPIC} and, once the group has assigned every partition, {@code PRODUCERS} producers (one KafkaProducer and
 * thread each) send {@code RECORDS} records of {@code SIZE} bytes in total as fast as they can, while the consumers
 * read them. Extra arguments {@code key=value} are producer properties (e.g. acks=all linger.ms=5 batch.size=65536).
 *
 * <p>Prints one line {@code RESULT key=value ...}: produce and consume records/s and MB/s (MB = 2^20 bytes, as the
 * Kafka perf tools count), the send-to-acknowledgement latency percentiles of every record (ms), the produce-to-consume
 * latency percentiles from the records' CreateTime (ms, same machine clock) and the group's first assignment time.
 * Exits 1 when the records are not all acknowledged and consumed within 10 minutes.
 *
 * <p>Usage: {@code ManyClients BOOTSTRAP TOPIC PRODUCERS CONSUMERS RECORDS SIZE [key=value ...]}
 */
public class ManyClients {
    private static final Duration GIVE_UP = Duration.ofMinutes(10);

    public static void main(String[] args) throws Exception {
        if (args.length < 6) {
            System.err.println("usage: ManyClients BOOTSTRAP TOPIC PRODUCERS CONSUMERS RECORDS SIZE [key=value ...]");
            System.exit(2);
        }
        String bootstrap = args[0];
        String topic = args[1];
        int producers = Integer.parseInt(args[2]);
        int consumers = Integer.parseInt(args[3]);
        long records = Long.parseLong(args[4]);
        int size = Integer.parseInt(args[5]);
        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        for (int i = 6; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            producerProps.put(kv[0], kv[1]);
        }
        long deadline = System.nanoTime() + GIVE_UP.toNanos();

        // consumers first: the group must own every partition before the first record is sent
        AtomicLong consumed = new AtomicLong();
        AtomicLong lastConsumedNanos = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong assigned = new AtomicLong();
        long[][] e2e = new long[consumers][];
        int[] e2eCount = new int[consumers];
        List<Thread> consumerThreads = new ArrayList<>();
        long groupStart = System.nanoTime();
        String group = "many-clients-" + topic;
        for (int c = 0; c < consumers; c++) {
            int index = c;
            e2e[c] = new long[1024];
            Thread t = new Thread(
                    () -> {
                        Properties props = new Properties();
                        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
                        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
                        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
                        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                                props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                                @Override
                                public void onPartitionsRevoked(java.util.Collection<TopicPartition> parts) {
                                    assigned.addAndGet(-parts.size());
                                }

                                @Override
                                public void onPartitionsAssigned(java.util.Collection<TopicPartition> parts) {
                                    assigned.addAndGet(parts.size());
                                }
                            });
                            while (!stop.get()) {
                                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                                    long now = System.currentTimeMillis();
                                    if (e2eCount[index] == e2e[index].length) {
                                        e2e[index] = Arrays.copyOf(e2e[index], e2e[index].length * 2);
                                    }
                                    e2e[index][e2eCount[index]++] = now - r.timestamp();
                                    consumed.incrementAndGet();
                                    lastConsumedNanos.set(System.nanoTime());
                                }
                            }
                        } catch (Throwable e) {
                            failure.compareAndSet(null, e);
                        }
                    },
                    "consumer-" + c);
            consumerThreads.add(t);
            t.start();
        }
        int partitions;
        try (KafkaConsumer<byte[], byte[]> probe = new KafkaConsumer<>(
                consumerProps(bootstrap), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            partitions = probe.partitionsFor(topic).size();
        }
        while (assigned.get() < partitions) {
            check(failure, deadline, "the group assigned " + assigned.get() + " of " + partitions + " partitions");
            Thread.sleep(20);
        }
        long rebalanceMs = (System.nanoTime() - groupStart) / 1_000_000;

        byte[] payload = new byte[size];
        Random random = new Random(0);
        for (int i = 0; i < size; i++) {
            payload[i] = (byte) ('A' + random.nextInt(26));
        }
        long perProducer = records / producers;
        long total = perProducer * producers;
        long[][] latencies = new long[producers][];
        AtomicLong acked = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong lastAckNanos = new AtomicLong();
        CountDownLatch done = new CountDownLatch(producers);
        long produceStart = System.nanoTime();
        for (int p = 0; p < producers; p++) {
            int index = p;
            latencies[p] = new long[(int) perProducer];
            new Thread(
                            () -> {
                                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                                        producerProps, new ByteArraySerializer(), new ByteArraySerializer())) {
                                    for (int i = 0; i < perProducer; i++) {
                                        int slot = i;
                                        long sent = System.nanoTime();
                                        producer.send(new ProducerRecord<>(topic, payload), (metadata, e) -> {
                                            long now = System.nanoTime();
                                            latencies[index][slot] = now - sent;
                                            if (e != null) {
                                                errors.incrementAndGet();
                                            }
                                            acked.incrementAndGet();
                                            lastAckNanos.accumulateAndGet(now, Math::max);
                                        });
                                    }
                                    producer.flush();
                                } catch (Throwable e) {
                                    failure.compareAndSet(null, e);
                                } finally {
                                    done.countDown();
                                }
                            },
                            "producer-" + p)
                    .start();
        }
        while (done.getCount() > 0 || consumed.get() < total) {
            check(failure, deadline, acked.get() + " of " + total + " acknowledged, " + consumed.get() + " consumed");
            if (errors.get() > 0) {
                fail(errors.get() + " records failed to send");
            }
            Thread.sleep(20);
        }
        stop.set(true);
        for (Thread t : consumerThreads) {
            t.join();
        }

        double produceSecs = (lastAckNanos.get() - produceStart) / 1e9;
        double consumeSecs = (lastConsumedNanos.get() - produceStart) / 1e9;
        double mb = (double) total * size / (1024 * 1024);
        long[] lat = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
        long[] endToEnd = new long[0];
        for (int c = 0; c < consumers; c++) {
            long[] some = Arrays.copyOf(e2e[c], e2eCount[c]);
            long[] merged = Arrays.copyOf(endToEnd, endToEnd.length + some.length);
            System.arraycopy(some, 0, merged, endToEnd.length, some.length);
            endToEnd = merged;
        }
        Arrays.sort(endToEnd);
        System.out.printf(
                "RESULT records=%d bytes=%d seconds=%.3f records_per_s=%.1f mb_per_s=%.2f"
                        + " consume_records_per_s=%.1f consume_mb_per_s=%.2f lat_avg_ms=%.2f lat_p50_ms=%.2f"
                        + " lat_p95_ms=%.2f lat_p99_ms=%.2f lat_p999_ms=%.2f lat_max_ms=%.2f e2e_p50_ms=%d"
                        + " e2e_p99_ms=%d rebalance_ms=%d%n",
                total,
                total * size,
                consumeSecs,
                total / produceSecs,
                mb / produceSecs,
                consumed.get() / consumeSecs,
                mb / consumeSecs,
                Arrays.stream(lat).average().orElse(0) / 1e6,
                pct(lat, 50) / 1e6,
                pct(lat, 95) / 1e6,
                pct(lat, 99) / 1e6,
                pct(lat, 99.9) / 1e6,
                lat.length == 0 ? 0 : lat[lat.length - 1] / 1e6,
                pct(endToEnd, 50),
                pct(endToEnd, 99),
                rebalanceMs);
    }

    private static Properties consumerProps(String bootstrap) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return props;
    }

    private static long pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static void check(AtomicReference<Throwable> failure, long deadline, String state) {
        if (failure.get() != null) {
            failure.get().printStackTrace();
            fail("a client failed: " + failure.get() + " (" + state + ")");
        }
        if (System.nanoTime() - deadline >= 0) {
            fail("gave up after " + GIVE_UP + ": " + state);
        }
    }

    private static void fail(String message) {
        System.err.println("ManyClients: " + message);
        System.exit(1);
    }
}
