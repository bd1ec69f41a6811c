package io.sluice.chaos.workload;

import io.sluice.chaos.history.HistoryWriter;
import io.sluice.chaos.history.Partitions;
import io.sluice.chaos.history.ReadBatch;
import io.sluice.chaos.history.Seek;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Consumer configuration and history helpers shared by the workload's readers. Stateless. */
final class Consumers {
    private Consumers() {}

    static Properties config(String bootstrap, String clientId, String groupId) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        if (groupId != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
            p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
            p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "1000");
        }
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // Every position change other than by reading is the harness's own, and is recorded as a Seek.
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1000");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "200");
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "5000");
        p.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
        p.put(ConsumerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "500");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return p;
    }

    /** Appends one ReadBatch per partition of {@code records}. */
    static void record(
            HistoryWriter history,
            RunClock clock,
            String process,
            ReadBatch.Mode mode,
            ConsumerRecords<String, String> records) {
        long t = clock.now();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<String, String>> list = records.records(tp);
            List<ReadBatch.OffsetValue> values = new ArrayList<>(list.size());
            for (ConsumerRecord<String, String> r : list) {
                values.add(new ReadBatch.OffsetValue(r.offset(), r.value()));
            }
            history.append(new ReadBatch(t, process, mode, Partitions.name(tp), values));
        }
    }

    /**
     * Reads the consumer's position of {@code tp} (retrying while the cluster does not answer, until {@code
     * deadline}) and records it as a Seek; returns it, or -1 if it could not be read.
     */
    static long recordPosition(
            KafkaConsumer<String, String> consumer,
            TopicPartition tp,
            String reason,
            HistoryWriter history,
            RunClock clock,
            String process,
            Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            try {
                long position = consumer.position(tp, Duration.ofSeconds(2));
                history.append(new Seek(clock.now(), process, Partitions.name(tp), position, reason));
                return position;
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    return -1;
                }
            }
        }
    }
}
