package io.sluice.broker.it;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetch request bytes and broker CPU of a consumer of many partitions, with incremental fetch sessions
 * ({@code max.incremental.fetch.session.cache.slots=1000}) and without ({@code =0}, every fetch is full). Run by
 * deploy/bench/fetch-sessions-bench.sh; not a test.
 *
 * <p>Per mode: a fresh in-JVM broker, one topic of {@code bench.partitions} partitions, a producer trickling
 * {@code bench.rate} records/s to random partitions, and one consumer assigned every partition, polling for {@code
 * bench.seconds} after a warm-up. Request bytes are the consumer's bytes sent to the broker node divided by its
 * requests (all but a handful are Fetch: no group, metadata refreshes are rare); broker CPU is the CPU time of the
 * broker's threads (every thread but the bench's own and the clients') over the window.
 */
public final class FetchSessionsBench {
    private static final Logger log = LoggerFactory.getLogger(FetchSessionsBench.class);

    private FetchSessionsBench() {}

    record Result(
            String mode, double fetches, double requests, double bytesSent, double brokerCpuSeconds, long records) {
        double bytesPerRequest() {
            return bytesSent / requests;
        }
    }

    public static void main(String[] args) throws Exception {
        int partitions = Integer.getInteger("bench.partitions", 1000);
        int seconds = Integer.getInteger("bench.seconds", 20);
        int rate = Integer.getInteger("bench.rate", 200);
        List<Result> results = new ArrayList<>();
        for (int slots : new int[] {1000, 0}) {
            results.add(run(slots, partitions, seconds, rate));
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                "%n%d partitions, %d s, %d records/s%n%-14s %10s %10s %14s %12s %12s %10s%n",
                partitions,
                seconds,
                rate,
                "mode",
                "fetches",
                "requests",
                "bytes sent",
                "bytes/req",
                "broker CPU s",
                "records"));
        for (Result r : results) {
            out.append(String.format(
                    Locale.ROOT,
                    "%-14s %10.0f %10.0f %14.0f %12.1f %12.2f %10d%n",
                    r.mode(),
                    r.fetches(),
                    r.requests(),
                    r.bytesSent(),
                    r.bytesPerRequest(),
                    r.brokerCpuSeconds(),
                    r.records()));
        }
        Result with = results.get(0);
        Result without = results.get(1);
        out.append(String.format(
                Locale.ROOT,
                "request bytes per fetch: %.1fx smaller with sessions; broker CPU per fetch: %.2fx%n",
                without.bytesPerRequest() / with.bytesPerRequest(),
                (without.brokerCpuSeconds() / without.fetches()) / (with.brokerCpuSeconds() / with.fetches())));
        System.out.print(out);
        System.exit(0);
    }

    private static Result run(int slots, int partitions, int seconds, int rate) throws Exception {
        String mode = slots > 0 ? "sessions" : "sessionless";
        try (InJvmCluster cluster =
                InJvmCluster.start(1, Map.of("max.incremental.fetch.session.cache.slots", Integer.toString(slots)))) {
            String topic = "bench";
            cluster.createTopicAndAwaitFullIsr(topic, partitions, 1, Map.of());
            List<TopicPartition> all = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                all.add(new TopicPartition(topic, p));
            }
            Properties pp = new Properties();
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
            pp.put(ProducerConfig.LINGER_MS_CONFIG, "0");
            Properties cp = new Properties();
            cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
            cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            try (KafkaProducer<byte[], byte[]> producer =
                            new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer());
                    KafkaConsumer<byte[], byte[]> consumer =
                            new KafkaConsumer<>(cp, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer.assign(all);
                consumer.seekToBeginning(all);
                Random random = new Random(42);
                byte[] value = new byte[100];
                long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                Map<String, Double> before = null;
                long cpuBefore = 0;
                long records = 0;
                long end = Long.MAX_VALUE;
                long nextSend = System.nanoTime();
                long sendEveryNanos = TimeUnit.SECONDS.toNanos(1) / Math.max(1, rate);
                while (System.nanoTime() < end) {
                    while (System.nanoTime() >= nextSend) {
                        producer.send(new ProducerRecord<>(topic, random.nextInt(partitions), null, value));
                        nextSend += sendEveryNanos;
                    }
                    int n = consumer.poll(Duration.ofMillis(20)).count();
                    if (before != null) {
                        records += n;
                    } else if (System.nanoTime() >= warmupEnd) {
                        before = metrics(consumer);
                        cpuBefore = brokerCpuNanos();
                        end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
                    }
                }
                Map<String, Double> after = metrics(consumer);
                long cpu = brokerCpuNanos() - cpuBefore;
                Result r = new Result(
                        mode,
                        after.get("fetch-total") - before.get("fetch-total"),
                        after.get("request-total") - before.get("request-total"),
                        after.get("outgoing-byte-total") - before.get("outgoing-byte-total"),
                        cpu / 1e9,
                        records);
                log.info("{}: {}", mode, r);
                return r;
            }
        }
    }

    /** The consumer's fetch count and its bytes and requests sent to the broker node (not the bootstrap one). */
    private static Map<String, Double> metrics(KafkaConsumer<?, ?> consumer) {
        Map<String, Double> out = new HashMap<>();
        out.put("fetch-total", 0.0);
        out.put("request-total", 0.0);
        out.put("outgoing-byte-total", 0.0);
        for (Map.Entry<MetricName, ? extends Metric> e : consumer.metrics().entrySet()) {
            MetricName name = e.getKey();
            String node = name.tags().get("node-id");
            boolean brokerNode = "consumer-node-metrics".equals(name.group()) && node != null && !node.startsWith("-");
            boolean fetches = "consumer-fetch-manager-metrics".equals(name.group())
                    && name.name().equals("fetch-total")
                    && !name.tags().containsKey("topic");
            if (fetches || (brokerNode && out.containsKey(name.name()))) {
                out.merge(name.name(), ((Number) e.getValue().metricValue()).doubleValue(), Double::sum);
            }
        }
        return out;
    }

    /** CPU time of every live thread but this one and the Kafka clients' threads. */
    private static long brokerCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().getId();
        long total = 0;
        for (long id : threads.getAllThreadIds()) {
            if (id == self) {
                continue;
            }
            ThreadInfo info = threads.getThreadInfo(id);
            if (info == null || info.getThreadName().startsWith("kafka-")) {
                continue;
            }
            long cpu = threads.getThreadCpuTime(id);
            if (cpu > 0) {
                total += cpu;
            }
        }
        return total;
    }
}
