package io.sluice.broker.it;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stock {@link KafkaConsumer} subscribed to one topic in a group, polling on its own thread: it reports every record
 * {@code poll} hands it to a {@link GroupLedger} with its member id and generation, then commits the next offsets
 * synchronously (a commit a rebalance refuses is logged; the records come again in a later generation). After each
 * poll it publishes what it owns, so the test thread can check the group's assignment.
 *
 * <p>Concurrency: the consumer is touched only by the member's thread; {@link #snapshot()} is a volatile read; start,
 * {@link #leave()} and {@link #close()} are called by the test thread.
 */
final class ConsumerMember implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConsumerMember.class);

    /** What the member owned after its last poll; {@code stopped} says why it stopped polling, null while it polls. */
    record Snapshot(String name, String memberId, int generation, Set<TopicPartition> assignment, String stopped) {}

    private final String name;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final GroupLedger ledger;
    private final CompletableFuture<Void> loop;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean running = true;
    private volatile Snapshot snapshot;

    private ConsumerMember(String name, KafkaConsumer<byte[], byte[]> consumer, String topic, GroupLedger ledger) {
        this.name = name;
        this.consumer = consumer;
        this.ledger = ledger;
        this.snapshot = new Snapshot(name, "", -1, Set.of(), null);
        this.loop = CompletableFuture.runAsync(() -> run(topic), runnable -> {
            Thread t = new Thread(runnable, "consumer-member-" + name);
            t.setDaemon(true);
            t.start();
        });
    }

    /**
     * Starts a member called {@code name} (also its {@code client.id}) of {@code group}; {@code extra} adds consumer
     * settings (assignor, session timeout).
     */
    static ConsumerMember start(
            String name, String bootstrap, String group, String topic, Map<String, String> extra, GroupLedger ledger) {
        Map<String, String> config = new HashMap<>(extra);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, name);
        return new ConsumerMember(name, Clients.consumer(bootstrap, config), topic, ledger);
    }

    private void run(String topic) {
        try {
            consumer.subscribe(List.of(topic));
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                ConsumerGroupMetadata group = consumer.groupMetadata();
                Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    ledger.delivered(name, group.memberId(), group.generationId(), r.partition(), r.offset());
                    next.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                if (!next.isEmpty()) {
                    commit(group, next);
                }
                snapshot = new Snapshot(
                        name, group.memberId(), group.generationId(), Set.copyOf(consumer.assignment()), null);
            }
        } catch (RuntimeException | Error e) {
            LOG.error("[member {}] stopped by an error", name, e);
            failure.set(e);
            snapshot = new Snapshot(name, "", -1, Set.of(), e.toString());
        }
    }

    private void commit(ConsumerGroupMetadata group, Map<TopicPartition, OffsetAndMetadata> next) {
        try {
            consumer.commitSync(next, Duration.ofSeconds(60));
            next.forEach((tp, o) -> ledger.committed(name, group.generationId(), tp.partition(), o.offset()));
        } catch (CommitFailedException | RebalanceInProgressException e) {
            LOG.info(
                    "[member {} generation {}] commit of {} refused by a rebalance: {}",
                    name,
                    group.generationId(),
                    next,
                    e.toString());
        }
    }

    String name() {
        return name;
    }

    Snapshot snapshot() {
        return snapshot;
    }

    /** The error that stopped the poll loop, or null. */
    Throwable failure() {
        return failure.get();
    }

    /** Stops polling and closes the consumer, which leaves the group (LeaveGroup) at once. */
    void leave() throws Exception {
        running = false;
        loop.get(60, TimeUnit.SECONDS);
        consumer.close(Duration.ofSeconds(30));
    }

    /** Leaves if still running; safe to call twice. */
    @Override
    public void close() throws Exception {
        if (running) {
            leave();
        }
    }
}
