import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Fetch throughput without a consumer group (assign + seekToBeginning over every partition): reads {@code records}
 * records of {@code topic} and prints records/s and MB/s. Run by kafka-perf.sh with the kafka-tools classpath.
 * Usage: java ConsumeThroughput.java BOOTSTRAP TOPIC RECORDS
 */
public class ConsumeThroughput {
    public static void main(String[] args) {
        String bootstrap = args[0];
        String topic = args[1];
        long wanted = Long.parseLong(args[2]);
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 1 << 20);
        props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 50 << 20);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(topic)) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long records = 0;
            long bytes = 0;
            long start = System.nanoTime();
            long deadline = start + Duration.ofMinutes(5).toNanos();
            while (records < wanted && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    records++;
                    bytes += r.serializedValueSize() + Math.max(0, r.serializedKeySize());
                }
            }
            double secs = (System.nanoTime() - start) / 1e9;
            System.out.printf(
                    "%d records consumed in %.2f s: %.0f records/sec (%.2f MB/sec)%n",
                    records, secs, records / secs, bytes / secs / (1024 * 1024));
        }
    }
}
