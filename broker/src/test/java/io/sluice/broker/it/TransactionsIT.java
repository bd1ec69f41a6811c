package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions with the stock Java producer and consumer on three brokers (RF 3, {@code min.insync.replicas=2}):
 * committed and aborted transactions over three partitions of two topics seen by read_committed and
 * read_uncommitted consumers, and the transaction of a producer that died aborted after its timeout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TransactionsIT {
    private static final String ORDERS = "txn-orders";
    private static final String PAYMENTS = "txn-payments";
    private static final String DEAD = "txn-dead";
    private static final String INPUT = "txn-input";
    private static final String OUTPUT = "txn-output";
    private static final String TOOLS = "txn-tools";
    /** {@code kafka-transactions.sh}. */
    private static final String TRANSACTIONS_TOOL = "org.apache.kafka.tools.TransactionsCommand";

    private InJvmCluster cluster;

    @BeforeAll
    void startCluster() throws Exception {
        cluster = InJvmCluster.start(
                3,
                Map.of(
                        "transaction.state.log.num.partitions", "3",
                        "transaction.abort.timed.out.transaction.cleanup.interval.ms", "500"));
        Map<String, String> minIsr = Map.of("min.insync.replicas", "2");
        cluster.createTopicAndAwaitFullIsr(ORDERS, 2, 3, minIsr);
        cluster.createTopicAndAwaitFullIsr(PAYMENTS, 1, 3, minIsr);
        cluster.createTopicAndAwaitFullIsr(DEAD, 1, 3, minIsr);
        cluster.createTopicAndAwaitFullIsr(INPUT, 1, 3, minIsr);
        cluster.createTopicAndAwaitFullIsr(OUTPUT, 1, 3, minIsr);
        cluster.createTopicAndAwaitFullIsr(TOOLS, 1, 3, minIsr);
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static List<TopicPartition> partitions() {
        return List.of(new TopicPartition(ORDERS, 0), new TopicPartition(ORDERS, 1), new TopicPartition(PAYMENTS, 0));
    }

    private KafkaProducer<byte[], byte[]> transactionalProducer(String transactionalId, int timeoutMs) {
        return Clients.producer(
                cluster.bootstrapServers(),
                Map.of(
                        ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                        transactionalId,
                        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                        Integer.toString(timeoutMs),
                        ProducerConfig.MAX_BLOCK_MS_CONFIG,
                        "30000"));
    }

    private static void sendToEach(KafkaProducer<byte[], byte[]> producer, String prefix, int perPartition) {
        for (TopicPartition tp : partitions()) {
            for (int i = 0; i < perPartition; i++) {
                String value = prefix + "-" + tp + "-" + i;
                producer.send(
                        new ProducerRecord<>(tp.topic(), tp.partition(), null, value.getBytes(StandardCharsets.UTF_8)));
            }
        }
    }

    private static List<String> expected(String prefix, int perPartition) {
        List<String> values = new ArrayList<>();
        for (TopicPartition tp : partitions()) {
            for (int i = 0; i < perPartition; i++) {
                values.add(prefix + "-" + tp + "-" + i);
            }
        }
        return values;
    }

    /** Reads {@code partitions} from the start until {@code count} values arrived, then once more for stragglers. */
    private List<String> read(String isolation, List<TopicPartition> partitions, int count) {
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(
                cluster.bootstrapServers(), Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation))) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<String> values = new ArrayList<>();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (values.size() < count && System.nanoTime() < end) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(new String(r.value(), StandardCharsets.UTF_8));
                }
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                values.add(new String(r.value(), StandardCharsets.UTF_8));
            }
            return values;
        }
    }

    @Test
    void readCommittedSeesExactlyTheCommittedTransactionsReadUncommittedSeesAll() throws Exception {
        int perPartition = 20;
        try (KafkaProducer<byte[], byte[]> producer = transactionalProducer("it-orders", 30_000)) {
            producer.initTransactions();
            producer.beginTransaction();
            sendToEach(producer, "committed", perPartition);
            producer.commitTransaction();

            producer.beginTransaction();
            sendToEach(producer, "aborted", perPartition);
            producer.flush();
            producer.abortTransaction();

            producer.beginTransaction();
            sendToEach(producer, "second", perPartition);
            producer.commitTransaction();
        }
        List<String> committed = new ArrayList<>(expected("committed", perPartition));
        committed.addAll(expected("second", perPartition));
        List<String> all = new ArrayList<>(committed);
        all.addAll(expected("aborted", perPartition));

        assertThat(read("read_committed", partitions(), committed.size()))
                .containsExactlyInAnyOrderElementsOf(committed);
        assertThat(read("read_uncommitted", partitions(), all.size())).containsExactlyInAnyOrderElementsOf(all);

        // the read_committed end is the high watermark once every transaction ended
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(
                cluster.bootstrapServers(), Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            Map<TopicPartition, Long> committedEnds = consumer.endOffsets(partitions());
            // per partition: 3 transactions of perPartition records, each closed by a marker
            committedEnds.values().forEach(end -> assertThat(end).isEqualTo(3L * (perPartition + 1)));
        }
    }

    @Test
    void theOpenTransactionOfADeadProducerIsAbortedAfterItsTimeout() throws Exception {
        TopicPartition tp = new TopicPartition(DEAD, 0);
        KafkaProducer<byte[], byte[]> doomed = transactionalProducer("it-dead", 3_000);
        doomed.initTransactions();
        doomed.beginTransaction();
        // the transaction starts (its timeout starts counting) when the first send adds the partition: not before this
        long beforeStartNanos = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            doomed.send(new ProducerRecord<>(DEAD, 0, null, ("open-" + i).getBytes(StandardCharsets.UTF_8)));
        }
        doomed.flush();
        doomed.close(Duration.ZERO); // dies without ending its transaction

        try (KafkaProducer<byte[], byte[]> plain = Clients.producer(cluster.bootstrapServers(), Map.of())) {
            for (int i = 0; i < 5; i++) {
                plain.send(new ProducerRecord<>(DEAD, 0, null, ("plain-" + i).getBytes(StandardCharsets.UTF_8)))
                        .get(30, TimeUnit.SECONDS);
            }
        }
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(
                cluster.bootstrapServers(), Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            Set<TopicPartition> one = Set.of(tp);
            // the open transaction holds the last stable offset at its first offset ...
            assertThat(consumer.endOffsets(one).get(tp)).isZero();
            // ... until the coordinator aborts it after transaction.timeout.ms; then the LSO reaches the end
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> consumer.endOffsets(one).get(tp) == 11L);
            // not before the timeout (less the coordinator's millisecond clock granularity)
            assertThat(System.nanoTime() - beforeStartNanos)
                    .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(3_000 - 2));
        }
        assertThat(read("read_committed", List.of(tp), 5))
                .containsExactly("plain-0", "plain-1", "plain-2", "plain-3", "plain-4");

        // the same transactional id starts again: its next epoch is accepted
        try (KafkaProducer<byte[], byte[]> again = transactionalProducer("it-dead", 3_000)) {
            again.initTransactions();
            again.beginTransaction();
            again.send(new ProducerRecord<>(DEAD, 0, null, "again".getBytes(StandardCharsets.UTF_8)));
            again.commitTransaction();
        }
        assertThat(read("read_committed", List.of(tp), 6)).endsWith("again").hasSize(6);
    }

    @Test
    void offsetsSentToATransactionAreCommittedWithItAndDroppedWithAnAbort() throws Exception {
        TopicPartition in = new TopicPartition(INPUT, 0);
        TopicPartition out = new TopicPartition(OUTPUT, 0);
        try (KafkaProducer<byte[], byte[]> plain = Clients.producer(cluster.bootstrapServers(), Map.of())) {
            for (int i = 0; i < 30; i++) {
                plain.send(new ProducerRecord<>(INPUT, 0, null, ("in-" + i).getBytes(StandardCharsets.UTF_8)))
                        .get(30, TimeUnit.SECONDS);
            }
        }
        String group = "copier";
        try (KafkaProducer<byte[], byte[]> producer = transactionalProducer("it-copier", 30_000);
                KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(
                        cluster.bootstrapServers(),
                        Map.of(
                                ConsumerConfig.GROUP_ID_CONFIG,
                                group,
                                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                                "read_committed"))) {
            producer.initTransactions();
            consumer.subscribe(List.of(INPUT));
            List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (batch.size() < 30 && System.nanoTime() < end) {
                consumer.poll(Duration.ofMillis(200)).forEach(batch::add);
            }
            assertThat(batch).hasSize(30);

            // first attempt copies 20 records and aborts: neither the copies nor the offsets count
            producer.beginTransaction();
            for (ConsumerRecord<byte[], byte[]> r : batch.subList(0, 20)) {
                producer.send(new ProducerRecord<>(OUTPUT, 0, null, r.value()));
            }
            producer.sendOffsetsToTransaction(
                    Map.of(in, new org.apache.kafka.clients.consumer.OffsetAndMetadata(20)), consumer.groupMetadata());
            producer.abortTransaction();

            // the second copies all 30 and commits with the offsets
            producer.beginTransaction();
            for (ConsumerRecord<byte[], byte[]> r : batch) {
                producer.send(new ProducerRecord<>(OUTPUT, 0, null, r.value()));
            }
            producer.sendOffsetsToTransaction(
                    Map.of(in, new org.apache.kafka.clients.consumer.OffsetAndMetadata(30)), consumer.groupMetadata());
            producer.commitTransaction();
        }
        // the offsets are stored when the COMMIT marker reaches the group's partition, just after commitTransaction
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(committedOffsets(group)).containsEntry(in, 30L));
        List<String> copies = read("read_committed", List.of(out), 30);
        assertThat(copies).hasSize(30).doesNotHaveDuplicates();
    }

    @Test
    void kafkaTransactionsToolListsAndDescribesTransactionsAndProducers(@TempDir Path dir) throws Exception {
        Duration limit = Duration.ofSeconds(30);
        String bootstrap = cluster.bootstrapServers();
        try (KafkaProducer<byte[], byte[]> producer = transactionalProducer("it-tools", 30_000)) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(TOOLS, 0, null, ("open-" + i).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();

            // describe: the open transaction with its partition, epoch and timeout
            KafkaCli.Result describe = KafkaCli.run(
                            dir,
                            limit,
                            TRANSACTIONS_TOOL,
                            "--bootstrap-server",
                            bootstrap,
                            "describe",
                            "--transactional-id",
                            "it-tools")
                    .assertSuccess();
            List<Map<String, String>> described = KafkaCli.table(describe.stdout(), "CoordinatorId");
            assertThat(described).hasSize(1);
            Map<String, String> txn = described.get(0);
            assertThat(txn)
                    .containsEntry("TransactionalId", "it-tools")
                    .containsEntry("TransactionState", "Ongoing")
                    .containsEntry("ProducerEpoch", "0")
                    .containsEntry("TransactionTimeoutMs", "30000")
                    .containsEntry("TopicPartitions", TOOLS + "-0");
            String producerId = txn.get("ProducerId");
            assertThat(Long.parseLong(txn.get("CurrentTransactionStartTimeMs"))).isPositive();

            // list: every broker's ids, this one Ongoing with the same producer id
            KafkaCli.Result list = KafkaCli.run(dir, limit, TRANSACTIONS_TOOL, "--bootstrap-server", bootstrap, "list")
                    .assertSuccess();
            assertThat(KafkaCli.table(list.stdout(), "TransactionalId"))
                    .filteredOn(row -> row.get("TransactionalId").equals("it-tools"))
                    .singleElement()
                    .satisfies(row -> assertThat(row)
                            .containsEntry("ProducerId", producerId)
                            .containsEntry("TransactionState", "Ongoing")
                            .containsEntry("Coordinator", txn.get("CoordinatorId")));

            // describe-producers: the partition leader's producer state, the transaction open from offset 0
            KafkaCli.Result producers = KafkaCli.run(
                            dir,
                            limit,
                            TRANSACTIONS_TOOL,
                            "--bootstrap-server",
                            bootstrap,
                            "describe-producers",
                            "--topic",
                            TOOLS,
                            "--partition",
                            "0")
                    .assertSuccess();
            assertThat(KafkaCli.table(producers.stdout(), "ProducerId"))
                    .singleElement()
                    .satisfies(row -> assertThat(row)
                            .containsEntry("ProducerId", producerId)
                            .containsEntry("ProducerEpoch", "0")
                            .containsEntry("LastSequence", "2")
                            .containsEntry("CurrentTransactionStartOffset", "0"));

            producer.commitTransaction();
        }
        // the admin API sees the transaction complete, with the state filter and the producer
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(cluster.admin()
                                .listTransactions(new ListTransactionsOptions()
                                        .filterStates(List.of(
                                                org.apache.kafka.clients.admin.TransactionState.COMPLETE_COMMIT)))
                                .all()
                                .get(10, TimeUnit.SECONDS))
                        .extracting(TransactionListing::transactionalId)
                        .contains("it-tools"));
        assertThat(cluster.admin()
                        .describeProducers(List.of(new TopicPartition(TOOLS, 0)))
                        .partitionResult(new TopicPartition(TOOLS, 0))
                        .get(10, TimeUnit.SECONDS)
                        .activeProducers())
                .singleElement()
                .satisfies(p -> {
                    assertThat(p.currentTransactionStartOffset()).isEmpty();
                    assertThat(p.coordinatorEpoch()).isPresent();
                });
    }

    private Map<TopicPartition, Long> committedOffsets(String group) throws Exception {
        Map<TopicPartition, Long> offsets = new java.util.HashMap<>();
        cluster.admin()
                .listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get(10, TimeUnit.SECONDS)
                .forEach((tp, om) -> offsets.put(tp, om == null ? -1L : om.offset()));
        return offsets;
    }
}
