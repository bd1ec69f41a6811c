package io.sluice.chaos.workload;

import io.sluice.chaos.history.HistoryWriter;
import io.sluice.chaos.history.Note;
import io.sluice.chaos.history.ReadBatch;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * The read after healing: every partition from its log start to its end offset (taken once the producers have
 * stopped), recorded as {@link ReadBatch.Mode#FINAL} batches of the process {@code final}. Runs on the caller's
 * thread.
 */
public final class FinalReader {
    public static final String PROCESS = "final";

    private FinalReader() {}

    /** Reads everything; returns whether every partition was read to its end within {@code bound}. */
    public static boolean readAll(
            String bootstrap, List<TopicPartition> partitions, HistoryWriter history, RunClock clock, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(Consumers.config(bootstrap, "chaos-final", null))) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = null;
            while (ends == null) {
                try {
                    ends = consumer.endOffsets(partitions, Duration.ofSeconds(5));
                } catch (KafkaException e) {
                    if (System.nanoTime() > deadline) {
                        history.append(new Note(clock.now(), PROCESS, "no end offsets: " + SendErrors.describe(e)));
                        return false;
                    }
                }
            }
            history.append(new Note(clock.now(), PROCESS, "end offsets " + ends));
            Map<TopicPartition, Long> positions = new HashMap<>();
            for (TopicPartition tp : partitions) {
                positions.put(tp, Consumers.recordPosition(consumer, tp, "start", history, clock, PROCESS, bound));
            }
            while (true) {
                boolean done = true;
                for (TopicPartition tp : partitions) {
                    if (positions.get(tp) < ends.get(tp)) {
                        done = false;
                    }
                }
                if (done) {
                    return true;
                }
                if (System.nanoTime() > deadline) {
                    history.append(new Note(
                            clock.now(), PROCESS, "final read incomplete: at " + positions + ", ends " + ends));
                    return false;
                }
                try {
                    ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
                    Consumers.record(history, clock, PROCESS, ReadBatch.Mode.FINAL, records);
                    for (TopicPartition tp : records.partitions()) {
                        var list = records.records(tp);
                        positions.put(tp, list.get(list.size() - 1).offset() + 1);
                    }
                } catch (KafkaException e) {
                    history.append(new Note(clock.now(), PROCESS, "poll failed: " + SendErrors.describe(e)));
                }
            }
        }
    }
}
