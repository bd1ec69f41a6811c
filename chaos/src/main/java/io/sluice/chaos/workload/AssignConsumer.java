package io.sluice.chaos.workload;

import io.sluice.chaos.history.HistoryWriter;
import io.sluice.chaos.history.Note;
import io.sluice.chaos.history.ReadBatch;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.InvalidOffsetException;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consumer in assign mode reading every partition from the start, continuously, recording each poll's records and
 * every position change it makes itself (start, reset after OFFSET_OUT_OF_RANGE or a detected log truncation: to the
 * log end).
 *
 * <p>Concurrency: {@link #run} on its own thread; {@link #stop} from any thread (wakes the consumer).
 */
public final class AssignConsumer implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(AssignConsumer.class);

    private final String process;
    private final List<TopicPartition> partitions;
    private final HistoryWriter history;
    private final RunClock clock;
    private final KafkaConsumer<String, String> consumer;
    private volatile boolean running = true;
    private volatile long lastReadT = -1;

    public AssignConsumer(
            String process, List<TopicPartition> partitions, String bootstrap, HistoryWriter history, RunClock clock) {
        this.process = process;
        this.partitions = List.copyOf(partitions);
        this.history = history;
        this.clock = clock;
        this.consumer = new KafkaConsumer<>(Consumers.config(bootstrap, "chaos-" + process, null));
    }

    public long lastReadT() {
        return lastReadT;
    }

    public void stop() {
        running = false;
        consumer.wakeup();
    }

    @Override
    public void run() {
        try {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            for (TopicPartition tp : partitions) {
                Consumers.recordPosition(consumer, tp, "start", history, clock, process, Duration.ofSeconds(60));
            }
            while (running) {
                try {
                    ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                    if (!records.isEmpty()) {
                        lastReadT = clock.now();
                        Consumers.record(history, clock, process, ReadBatch.Mode.ASSIGN, records);
                    }
                } catch (InvalidOffsetException e) {
                    reset(e);
                } catch (WakeupException e) {
                    break;
                } catch (KafkaException e) {
                    history.append(new Note(clock.now(), process, "poll failed: " + SendErrors.describe(e)));
                    log.warn("[{}] poll failed", process, e);
                }
            }
        } catch (WakeupException e) {
            // stopping
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void reset(InvalidOffsetException e) {
        Set<TopicPartition> affected = e.partitions();
        String reason = e instanceof OffsetOutOfRangeException ? "reset-out-of-range" : "reset-no-offset";
        history.append(new Note(clock.now(), process, reason + " " + affected + ": " + e.getMessage()));
        if (e instanceof OffsetOutOfRangeException) {
            consumer.seekToEnd(affected);
        } else {
            consumer.seekToBeginning(affected);
        }
        for (TopicPartition tp : affected) {
            Consumers.recordPosition(consumer, tp, reason, history, clock, process, Duration.ofSeconds(60));
        }
    }
}
