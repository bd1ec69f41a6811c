package io.sluice.chaos.workload;

import io.sluice.chaos.history.Assignment;
import io.sluice.chaos.history.Commit;
import io.sluice.chaos.history.HistoryWriter;
import io.sluice.chaos.history.Note;
import io.sluice.chaos.history.Partitions;
import io.sluice.chaos.history.ReadBatch;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.InvalidOffsetException;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member of the workload's consumer group: subscribes to the topic, records assignments and the position it starts
 * each assigned partition at (its committed offset, or the log start when the group has none), reads continuously and
 * commits the offset after the last record of each partition after every poll, recording each commit's outcome.
 *
 * <p>Concurrency: {@link #run} on its own thread (the rebalance listener runs inside its polls); {@link #stop} from
 * any thread.
 */
public final class GroupConsumer implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(GroupConsumer.class);

    private final String process;
    private final String group;
    private final String topic;
    private final HistoryWriter history;
    private final RunClock clock;
    private final KafkaConsumer<String, String> consumer;
    private volatile boolean running = true;

    public GroupConsumer(
            String process, String group, String topic, String bootstrap, HistoryWriter history, RunClock clock) {
        this.process = process;
        this.group = group;
        this.topic = topic;
        this.history = history;
        this.clock = clock;
        this.consumer = new KafkaConsumer<>(Consumers.config(bootstrap, "chaos-" + process, group));
    }

    public void stop() {
        running = false;
        consumer.wakeup();
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(List.of(topic), new Listener());
            while (running) {
                try {
                    ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                    if (!records.isEmpty()) {
                        Consumers.record(history, clock, process, ReadBatch.Mode.GROUP, records);
                        commit(records);
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

    private void commit(ConsumerRecords<String, String> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<String, String>> list = records.records(tp);
            offsets.put(tp, new OffsetAndMetadata(list.get(list.size() - 1).offset() + 1));
        }
        try {
            consumer.commitSync(offsets, Duration.ofSeconds(5));
            long t = clock.now();
            offsets.forEach((tp, om) ->
                    history.append(new Commit(t, process, group, Partitions.name(tp), om.offset(), true, null)));
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            long t = clock.now();
            String error = SendErrors.describe(e);
            offsets.forEach((tp, om) ->
                    history.append(new Commit(t, process, group, Partitions.name(tp), om.offset(), false, error)));
        }
    }

    private void reset(InvalidOffsetException e) {
        String reason = e instanceof OffsetOutOfRangeException ? "reset-out-of-range" : "reset-no-offset";
        history.append(new Note(clock.now(), process, reason + " " + e.partitions() + ": " + e.getMessage()));
        if (e instanceof OffsetOutOfRangeException) {
            consumer.seekToEnd(e.partitions());
        } else {
            consumer.seekToBeginning(e.partitions());
        }
        for (TopicPartition tp : e.partitions()) {
            Consumers.recordPosition(consumer, tp, reason, history, clock, process, Duration.ofSeconds(30));
        }
    }

    /** Records assignments and the starting positions (runs inside poll). */
    private final class Listener implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                history.append(new Note(clock.now(), process, "revoked " + partitions));
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            int generation = -1;
            try {
                generation = consumer.groupMetadata().generationId();
            } catch (RuntimeException e) {
                log.debug("[{}] no group metadata", process, e);
            }
            List<TopicPartition> all = List.copyOf(consumer.assignment());
            history.append(new Assignment(
                    clock.now(),
                    process,
                    group,
                    generation,
                    all.stream().map(Partitions::name).sorted().toList()));
            // Partitions the group has no committed offset for start at the log start (auto.offset.reset=none).
            try {
                Map<TopicPartition, OffsetAndMetadata> committed =
                        consumer.committed(new java.util.HashSet<>(partitions), Duration.ofSeconds(10));
                List<TopicPartition> none = partitions.stream()
                        .filter(tp -> committed.get(tp) == null)
                        .toList();
                if (!none.isEmpty()) {
                    consumer.seekToBeginning(none);
                }
            } catch (KafkaException e) {
                history.append(new Note(clock.now(), process, "committed offsets not read: " + SendErrors.describe(e)));
            }
            for (TopicPartition tp : partitions) {
                for (int attempt = 0; attempt < 3; attempt++) {
                    try {
                        Consumers.recordPosition(
                                consumer, tp, "assigned", history, clock, process, Duration.ofSeconds(30));
                        break;
                    } catch (InvalidOffsetException e) {
                        consumer.seekToBeginning(e.partitions());
                    }
                }
            }
        }
    }
}
