package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acceptance 2 of transactions: consume-transform-produce with {@code sendOffsetsToTransaction} under broker kills.
 * Two competing copiers (stock clients, one consumer group, each its own {@code transactional.id}) copy an input topic
 * to an output topic while the brokers leading an input partition, an output partition, {@code __transaction_state}
 * (the transaction coordinator) and {@code __consumer_offsets} (the group coordinator) are each stopped abruptly
 * ({@link InJvmCluster#kill}: halted, nothing flushed) and restarted in turn. The output read with read_committed holds every input record exactly once. Meanwhile a zombie
 * copier opens a transaction, pauses past its {@code transaction.timeout.ms}, and then cannot commit: the commit fails
 * with a fencing error and none of its records become visible to read_committed (they are in the log, aborted).
 *
 * <p>The copiers stop at a gate before each fault until the fault driver lets them on, so every fault lands while
 * they are copying. The record count is {@code -Dsluice.eos.records} (default 20,000; {@code deploy/bench/eos-copy.sh}
 * runs the full-scale 100,000).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ExactlyOnceCopyIT {
    private static final Logger log = LoggerFactory.getLogger(ExactlyOnceCopyIT.class);
    private static final int RECORDS = Integer.getInteger("sluice.eos.records", 20_000);
    private static final String INPUT = "eos-input";
    private static final String OUTPUT = "eos-output";
    private static final String GROUP = "eos-copiers";
    private static final String ZOMBIE_ID = "eos-zombie";
    private static final String ZOMBIE_GROUP = "eos-zombie-group";
    private static final int PARTITIONS = 2;
    private static final TopicPartition STATE = new TopicPartition("__transaction_state", 0);
    private static final TopicPartition OFFSETS = new TopicPartition("__consumer_offsets", 0);
    private static final Duration COPY_WAIT = Duration.ofSeconds(Math.max(120, RECORDS / 500));

    private InJvmCluster cluster;
    private final List<Copier> copiers = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (Copier c : copiers) {
            c.stop();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void competingCopiersCopyEveryRecordExactlyOnceThroughLeaderKillsAndAZombieCannotCommit() throws Exception {
        long started = System.nanoTime();
        cluster = InJvmCluster.start(
                3,
                Map.of(
                        "transaction.state.log.num.partitions", "1",
                        "transaction.state.log.min.isr", "2",
                        "offsets.topic.num.partitions", "1",
                        "min.insync.replicas", "2",
                        "transaction.abort.timed.out.transaction.cleanup.interval.ms", "500"));
        cluster.createTopicAndAwaitFullIsr(INPUT, PARTITIONS, 3, Map.of());
        cluster.createTopicAndAwaitFullIsr(OUTPUT, PARTITIONS, 3, Map.of());
        produceInput();
        log.info("input of {} records written after {} ms", RECORDS, millisSince(started));

        AtomicLong copied = new AtomicLong();
        AtomicLong allowance = new AtomicLong(RECORDS / 5);
        for (String id : List.of("eos-copier-a", "eos-copier-b")) {
            Copier copier = new Copier(id, cluster.bootstrapServers(), copied, allowance);
            copiers.add(copier);
            copier.start();
        }
        cluster.awaitLeader(STATE);

        Zombie zombie = zombieOpensATransaction();

        // each fault: let the copiers on, kill the leader at once (they are mid-transaction), restart it, full ISR
        List<TopicPartition> targets =
                List.of(new TopicPartition(INPUT, 0), new TopicPartition(OUTPUT, 1), STATE, OFFSETS);
        for (int i = 0; i < targets.size(); i++) {
            long threshold = allowance.get();
            await().atMost(COPY_WAIT).until(() -> failed() || copied.get() >= threshold);
            assertNoCopierFailed();
            allowance.set(i + 1 < targets.size() ? (long) RECORDS * (i + 2) / (targets.size() + 1) : Long.MAX_VALUE);
            TopicPartition target = targets.get(i);
            int victim = cluster.awaitLeader(target);
            log.info("killing broker {}, leader of {}, at {} records copied", victim, target, copied.get());
            cluster.kill(victim);
            cluster.awaitNewLeader(target, victim);
            if (i == 0) {
                zombieCannotCommit(zombie);
            }
            cluster.restart(victim);
            for (TopicPartition tp : List.of(
                    new TopicPartition(INPUT, 0),
                    new TopicPartition(INPUT, 1),
                    new TopicPartition(OUTPUT, 0),
                    new TopicPartition(OUTPUT, 1),
                    STATE,
                    OFFSETS)) {
                cluster.awaitIsr(tp, 3);
            }
            log.info("broker {} back in every ISR at {} records copied", victim, copied.get());
        }

        await().atMost(COPY_WAIT).until(() -> failed() || copied.get() >= RECORDS);
        assertNoCopierFailed();
        for (Copier c : copiers) {
            c.stop();
        }
        assertNoCopierFailed();
        log.info(
                "copied after {} ms; commits {}, aborts {}, producers recreated {}",
                millisSince(started),
                copiers.stream().mapToLong(c -> c.commits).sum(),
                copiers.stream().mapToLong(c -> c.aborts).sum(),
                copiers.stream().mapToLong(c -> c.recreated).sum());

        // every input value exactly once under read_committed; the zombie's records only under read_uncommitted
        Map<String, Integer> committed = countValues("read_committed");
        Map<String, Integer> duplicates = new HashMap<>();
        committed.forEach((value, n) -> {
            if (n != 1) {
                duplicates.put(value, n);
            }
        });
        assertThat(duplicates).as("values read more than once").isEmpty();
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            if (!committed.containsKey(value(i))) {
                missing.add(value(i));
            }
        }
        assertThat(missing).as("input values missing from the output").isEmpty();
        assertThat(committed).hasSize(RECORDS);
        assertThat(copiers).allSatisfy(c -> assertThat(c.commits).isPositive());

        Map<String, Integer> uncommitted = countValues("read_uncommitted");
        assertThat(uncommitted.keySet())
                .as("the zombie's records are in the log")
                .containsAll(zombie.values);
        assertThat(zombie.values).allSatisfy(v -> assertThat(committed.get(v)).isEqualTo(1));
        assertThat(zombieRecordsVisible())
                .as("zombie records visible to read_committed")
                .isZero();
        assertThat(cluster.admin()
                        .listConsumerGroupOffsets(ZOMBIE_GROUP)
                        .partitionsToOffsetAndMetadata()
                        .get(30, TimeUnit.SECONDS))
                .as("offsets committed by the zombie")
                .isEmpty();
        Map<TopicPartition, OffsetAndMetadata> groupOffsets = cluster.admin()
                .listConsumerGroupOffsets(GROUP)
                .partitionsToOffsetAndMetadata()
                .get(30, TimeUnit.SECONDS);
        assertThat(groupOffsets.values().stream()
                        .mapToLong(OffsetAndMetadata::offset)
                        .sum())
                .as("the group's committed offsets cover the whole input")
                .isEqualTo(RECORDS);
        log.info("{} finished in {} ms", RECORDS, millisSince(started));
    }

    // ------------------------------------------------------------------ input and output

    private static String value(int i) {
        return "v-" + i;
    }

    private void produceInput() throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(
                cluster.bootstrapServers(),
                Map.of(ProducerConfig.LINGER_MS_CONFIG, "5", ProducerConfig.BATCH_SIZE_CONFIG, "65536"))) {
            List<Future<RecordMetadata>> sends = new ArrayList<>(RECORDS);
            for (int i = 0; i < RECORDS; i++) {
                sends.add(producer.send(
                        new ProducerRecord<>(INPUT, ("k-" + i).getBytes(StandardCharsets.UTF_8), bytes(value(i)))));
            }
            Clients.awaitAll(sends);
        }
    }

    /** Value → how often it is in the output, read from the start up to the end offsets of {@code isolation}. */
    private Map<String, Integer> countValues(String isolation) {
        Map<String, Integer> counts = new HashMap<>();
        readOutput(isolation, r -> counts.merge(new String(r.value(), StandardCharsets.UTF_8), 1, Integer::sum));
        return counts;
    }

    private long zombieRecordsVisible() {
        AtomicLong n = new AtomicLong();
        readOutput("read_committed", r -> {
            Header h = r.headers().lastHeader("copier");
            if (h != null && ZOMBIE_ID.equals(new String(h.value(), StandardCharsets.UTF_8))) {
                n.incrementAndGet();
            }
        });
        return n.get();
    }

    private void readOutput(String isolation, java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> visitor) {
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(
                cluster.bootstrapServers(), Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation))) {
            List<TopicPartition> partitions = outputPartitions();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(visitor);
                return partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
            });
        }
    }

    private static List<TopicPartition> outputPartitions() {
        List<TopicPartition> partitions = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            partitions.add(new TopicPartition(OUTPUT, p));
        }
        return partitions;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    private boolean failed() {
        return copiers.stream().anyMatch(c -> c.failure.get() != null);
    }

    private void assertNoCopierFailed() {
        for (Copier c : copiers) {
            assertThat(c.failure.get()).as("failure of copier %s", c.id).isNull();
        }
    }

    // ------------------------------------------------------------------ the zombie

    private record Zombie(KafkaProducer<byte[], byte[]> producer, Set<String> values) {}

    /**
     * A copier that reads part of the input itself, writes it to the output inside a transaction (flushed: the records
     * are in the log) together with offsets of its own group, and then stalls with the transaction open.
     */
    private Zombie zombieOpensATransaction() {
        KafkaProducer<byte[], byte[]> producer = Clients.producer(
                cluster.bootstrapServers(),
                Map.of(
                        ProducerConfig.TRANSACTIONAL_ID_CONFIG, ZOMBIE_ID,
                        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "3000",
                        ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000"));
        producer.initTransactions();
        Set<String> values = new java.util.HashSet<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                Clients.consumer(cluster.bootstrapServers(), Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "100"))) {
            TopicPartition in = new TopicPartition(INPUT, 1);
            consumer.assign(List.of(in));
            consumer.seekToBeginning(List.of(in));
            ConsumerRecords<byte[], byte[]> records = await().atMost(Duration.ofSeconds(30))
                    .until(() -> consumer.poll(Duration.ofMillis(200)), r -> !r.isEmpty());
            producer.beginTransaction();
            long next = 0;
            for (ConsumerRecord<byte[], byte[]> r : records) {
                ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(OUTPUT, r.partition(), r.key(), r.value());
                out.headers().add("copier", bytes(ZOMBIE_ID));
                producer.send(out);
                values.add(new String(r.value(), StandardCharsets.UTF_8));
                next = r.offset() + 1;
            }
            producer.flush();
            producer.sendOffsetsToTransaction(
                    Map.of(in, new OffsetAndMetadata(next)), new ConsumerGroupMetadata(ZOMBIE_GROUP));
        }
        log.info("zombie {} has an open transaction with {} records", ZOMBIE_ID, values.size());
        return new Zombie(producer, values);
    }

    /** After its transaction timed out and was aborted by the coordinator, the zombie resumes and tries to commit. */
    private void zombieCannotCommit(Zombie zombie) throws Exception {
        await().atMost(Duration.ofSeconds(45))
                .ignoreExceptions()
                .until(() -> cluster.admin()
                                .describeTransactions(List.of(ZOMBIE_ID))
                                .description(ZOMBIE_ID)
                                .get(10, TimeUnit.SECONDS)
                                .state()
                        == TransactionState.COMPLETE_ABORT);
        try (KafkaProducer<byte[], byte[]> producer = zombie.producer()) {
            ProducerRecord<byte[], byte[]> late = new ProducerRecord<>(OUTPUT, 0, null, bytes("zombie-late"));
            late.headers().add("copier", bytes(ZOMBIE_ID));
            Throwable sent = catchThrowable(() -> producer.send(late));
            Throwable commit = catchThrowable(producer::commitTransaction);
            log.info("zombie resumed: send {}, commit {}", sent, commit);
            assertThat(commit).as("the zombie's commit").isNotNull();
            assertThat(isFencing(commit))
                    .as("the zombie's commit fails with a fencing error: %s", commit)
                    .isTrue();
            producer.close(Duration.ZERO);
        }
    }

    private static boolean isFencing(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ProducerFencedException || c instanceof InvalidProducerEpochException) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ the copiers

    /**
     * A consume-transform-produce loop as the Kafka documentation describes it: poll, begin, send, send the offsets
     * with the consumer's group metadata, commit. An abortable error aborts and rewinds the consumer to the committed
     * offsets; a fatal one (fenced) replaces the producer. Before each poll it waits at the gate ({@code allowance}).
     */
    private static final class Copier implements Runnable {
        private final String id;
        private final String bootstrap;
        private final AtomicLong copied;
        private final AtomicLong allowance;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread thread;
        private volatile long commits;
        private volatile long aborts;
        private volatile long recreated;

        Copier(String id, String bootstrap, AtomicLong copied, AtomicLong allowance) {
            this.id = id;
            this.bootstrap = bootstrap;
            this.copied = copied;
            this.allowance = allowance;
            this.thread = new Thread(this, id);
        }

        void start() {
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(TimeUnit.SECONDS.toMillis(60));
            if (thread.isAlive()) {
                failure.compareAndSet(null, new AssertionError("copier " + id + " did not stop"));
            }
        }

        private KafkaProducer<byte[], byte[]> newProducer() {
            KafkaProducer<byte[], byte[]> producer = Clients.producer(
                    bootstrap,
                    Map.of(
                            ProducerConfig.TRANSACTIONAL_ID_CONFIG, id,
                            ProducerConfig.LINGER_MS_CONFIG, "5",
                            ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000",
                            ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "20000"));
            try {
                producer.initTransactions();
                return producer;
            } catch (KafkaException e) {
                producer.close(Duration.ZERO);
                throw e;
            }
        }

        @Override
        public void run() {
            try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(
                    bootstrap,
                    Map.of(
                            ConsumerConfig.GROUP_ID_CONFIG,
                            GROUP,
                            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                            "read_committed",
                            ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                            "500",
                            ConsumerConfig.CLIENT_ID_CONFIG,
                            id + "-consumer"))) {
                consumer.subscribe(List.of(INPUT));
                KafkaProducer<byte[], byte[]> producer = newProducer();
                boolean rewind = false;
                try {
                    while (running.get()) {
                        if (copied.get() >= allowance.get()) {
                            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                            continue;
                        }
                        if (rewind) {
                            try {
                                rewindToCommitted(consumer);
                                rewind = false;
                            } catch (KafkaException e) {
                                log.info("copier {}: cannot read the committed offsets yet ({})", id, e.toString());
                                continue;
                            }
                        }
                        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                        if (records.isEmpty()) {
                            continue;
                        }
                        try {
                            copy(producer, consumer, records);
                            commits++;
                            copied.addAndGet(records.count());
                        } catch (ProducerFencedException
                                | InvalidProducerEpochException
                                | FencedInstanceIdException e) {
                            log.info("copier {}: fenced ({}); a new producer takes over", id, e.toString());
                            producer = replace(producer);
                            rewind = true;
                        } catch (KafkaException e) {
                            log.info("copier {}: transaction failed ({}); aborting", id, e.toString());
                            rewind = true;
                            try {
                                producer.abortTransaction();
                                aborts++;
                            } catch (KafkaException abortFailed) {
                                log.info(
                                        "copier {}: abort failed ({}); a new producer takes over",
                                        id,
                                        abortFailed.toString());
                                producer = replace(producer);
                            }
                        }
                    }
                } finally {
                    producer.close(Duration.ofSeconds(5));
                }
            } catch (Throwable t) {
                log.error("copier {} failed", id, t);
                failure.compareAndSet(null, t);
            }
        }

        private KafkaProducer<byte[], byte[]> replace(KafkaProducer<byte[], byte[]> producer) {
            producer.close(Duration.ZERO);
            recreated++;
            // initTransactions completes or aborts what the old producer left; retried while the coordinator moves
            return await().atMost(Duration.ofSeconds(90))
                    .ignoreExceptionsMatching(e -> e instanceof KafkaException)
                    .until(this::newProducer, p -> true);
        }

        private void copy(
                KafkaProducer<byte[], byte[]> producer,
                KafkaConsumer<byte[], byte[]> consumer,
                ConsumerRecords<byte[], byte[]> records) {
            producer.beginTransaction();
            Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(OUTPUT, r.partition(), r.key(), r.value());
                out.headers().add("copier", bytes(id));
                producer.send(out);
                next.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
            }
            producer.sendOffsetsToTransaction(next, consumer.groupMetadata());
            producer.commitTransaction();
        }

        /** After an abort the consumer's position is past records whose copies were dropped: back to the commits. */
        private void rewindToCommitted(KafkaConsumer<byte[], byte[]> consumer) {
            Set<TopicPartition> assigned = consumer.assignment();
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned, Duration.ofSeconds(60));
            for (TopicPartition tp : assigned) {
                OffsetAndMetadata c = committed.get(tp);
                if (c == null) {
                    consumer.seekToBeginning(List.of(tp));
                } else {
                    consumer.seek(tp, c.offset());
                }
            }
        }
    }
}
