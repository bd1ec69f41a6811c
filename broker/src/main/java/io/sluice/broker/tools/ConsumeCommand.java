package io.sluice.broker.tools;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice-admin consume}: prints a topic's records through the stock consumer, one line each in the {@link
 * RecordFormat} given. With {@code --group} it joins the group (subscribe) and commits what it printed after every
 * batch; without, it assigns {@code --partition} or every partition of the topic. Stops after {@code --max-messages}
 * records or when no record came for {@code --timeout-ms}; prints the count on stderr.
 *
 * <p>Single-threaded.
 */
@Command(
        name = "consume",
        mixinStandardHelpOptions = true,
        description = {
            "Prints a topic's records, one per line (see --format).",
            "With --group the consumer joins the group and commits what it printed; --from-beginning then applies"
                    + " only when the group has no committed offset (as in Kafka's console consumer)."
        })
final class ConsumeCommand implements Callable<Integer> {
    @Mixin
    AdminCli.GlobalOptions globals;

    @Spec
    CommandSpec spec;

    @Option(names = "--topic", paramLabel = "T", required = true, description = "Topic to read.")
    String topic;

    @Option(names = "--group", paramLabel = "G", description = "Consume as a member of group G.")
    String group;

    @Option(names = "--partition", paramLabel = "P", description = "Read only partition P (no group).")
    Integer partition;

    @Option(names = "--from-beginning", description = "Start at the earliest offset (default: the end).")
    boolean fromBeginning;

    @Option(names = "--offset", paramLabel = "N", description = "Start at offset N of each partition read (no group).")
    Long offset;

    @Option(
            names = "--timestamp",
            paramLabel = "MS",
            description = "Start at the first record at or after MS epoch millis (no group).")
    Long timestamp;

    @Option(names = "--max-messages", paramLabel = "N", description = "Stop after N records.")
    Long maxMessages;

    @Option(
            names = "--format",
            paramLabel = "FMT",
            defaultValue = RecordFormat.DEFAULT,
            description = "Per-record template (default: ${DEFAULT-VALUE}): %t topic, %p partition, %o offset, %T"
                    + " timestamp, %k key, %v value, %h headers k=v,..., %K/%S key/value length, %% percent; \\n \\t"
                    + " escapes.")
    String format;

    @Override
    public Integer call() throws UsageException {
        AdminCli root = AdminCli.root(spec);
        RecordFormat recordFormat = RecordFormat.parse(format);
        if (group != null && partition != null) {
            throw new UsageException("--group and --partition do not go together");
        }
        int starts = (fromBeginning ? 1 : 0) + (offset != null ? 1 : 0) + (timestamp != null ? 1 : 0);
        if (starts > 1) {
            throw new UsageException("Give at most one of --from-beginning, --offset, --timestamp");
        }
        if (group != null && (offset != null || timestamp != null)) {
            throw new UsageException(
                    "--offset and --timestamp need an assignment (no --group); use 'groups reset-offsets' for a group");
        }
        if (partition != null && partition < 0) {
            throw new UsageException("--partition must not be negative, got " + partition);
        }
        if (offset != null && offset < 0) {
            throw new UsageException("--offset must not be negative, got " + offset);
        }
        if (maxMessages != null && maxMessages <= 0) {
            throw new UsageException("--max-messages must be positive, got " + maxMessages);
        }
        root.timeoutMs();
        long idleMs = root.explicitTimeoutMs().map(Integer::longValue).orElse(Long.MAX_VALUE);

        // the client properties of the run (--command-config / profile) first; this command's own settings win
        Properties props = root.clientConfig();
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-admin-consume");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest");
        if (group != null) {
            props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        long count = 0;
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            if (group != null) {
                consumer.subscribe(List.of(topic));
            } else if (!assign(consumer, root)) {
                return AdminCli.EXIT_FAILED;
            }
            long lastRecord = System.nanoTime();
            StringBuilder batch = new StringBuilder();
            while (maxMessages == null || count < maxMessages) {
                long idleLeftMs = idleMs == Long.MAX_VALUE
                        ? Long.MAX_VALUE
                        : idleMs - (System.nanoTime() - lastRecord) / 1_000_000;
                if (idleLeftMs <= 0) {
                    break;
                }
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(Math.min(500, idleLeftMs)));
                if (records.isEmpty()) {
                    continue;
                }
                lastRecord = System.nanoTime();
                Map<TopicPartition, OffsetAndMetadata> printed = new HashMap<>();
                batch.setLength(0);
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    if (maxMessages != null && count >= maxMessages) {
                        break;
                    }
                    batch.append(recordFormat.render(record)).append(System.lineSeparator());
                    printed.put(
                            new TopicPartition(record.topic(), record.partition()),
                            new OffsetAndMetadata(record.offset() + 1));
                    count++;
                }
                root.out.print(batch);
                root.out.flush();
                if (group != null && !printed.isEmpty()) {
                    consumer.commitSync(printed);
                }
            }
        } catch (KafkaException e) {
            root.err.println("sluice-admin: consuming " + topic + " failed after " + count + " records: " + e);
            return AdminCli.EXIT_FAILED;
        }
        root.err.println("Processed a total of " + count + " messages");
        return AdminCli.EXIT_OK;
    }

    /** Assigns the partition(s) and positions the consumer; false (with the reason on stderr) if the topic is unknown. */
    private boolean assign(KafkaConsumer<byte[], byte[]> consumer, AdminCli root) throws UsageException {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofMillis(root.timeoutMs()));
        if (infos == null || infos.isEmpty()) {
            root.err.println("sluice-admin: topic " + topic + " does not exist");
            return false;
        }
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : infos) {
            if (partition == null || info.partition() == partition) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
        }
        if (partitions.isEmpty()) {
            root.err.println("sluice-admin: topic " + topic + " has no partition " + partition);
            return false;
        }
        consumer.assign(partitions);
        if (fromBeginning) {
            consumer.seekToBeginning(partitions);
        } else if (offset != null) {
            partitions.forEach(tp -> consumer.seek(tp, offset));
        } else if (timestamp != null) {
            Map<TopicPartition, Long> query = new HashMap<>();
            partitions.forEach(tp -> query.put(tp, timestamp));
            Map<TopicPartition, OffsetAndTimestamp> found =
                    consumer.offsetsForTimes(query, Duration.ofMillis(root.timeoutMs()));
            List<TopicPartition> none = new ArrayList<>();
            found.forEach((tp, at) -> {
                if (at == null) {
                    none.add(tp);
                } else {
                    consumer.seek(tp, at.offset());
                }
            });
            consumer.seekToEnd(none);
        } else {
            consumer.seekToEnd(partitions);
        }
        return true;
    }
}
