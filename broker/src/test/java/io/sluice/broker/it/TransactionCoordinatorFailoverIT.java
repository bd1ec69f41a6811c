package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Crash safety of a commit: the transaction coordinator's broker is killed after PrepareCommit is written but before
 * the markers reached every partition (one partition's only replica is down, so its marker cannot be written); the
 * broker that takes over {@code __transaction_state} resumes the markers with its own coordinator epoch, the
 * transaction completes (not aborted: the decision written before the crash holds), and read_committed consumers
 * see all of it exactly once.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TransactionCoordinatorFailoverIT {
    private static final String TXN_ID = "failover-txn";
    private static final TopicPartition STATE = new TopicPartition("__transaction_state", 0);

    private InJvmCluster cluster;

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aNewCoordinatorFinishesACommitWhoseCoordinatorDiedBeforeTheMarkers() throws Exception {
        cluster = InJvmCluster.start(
                3,
                Map.of(
                        "transaction.state.log.num.partitions", "1",
                        "transaction.state.log.min.isr", "1",
                        "min.insync.replicas", "1"));
        String live = "failover-live";
        cluster.createTopicAndAwaitFullIsr(live, 1, 3, Map.of());
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(
                cluster.bootstrapServers(),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, TXN_ID, ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000"))) {
            producer.initTransactions();
            int coordinator = cluster.awaitLeader(STATE);
            int stranded = cluster.brokerIds().stream()
                    .filter(id -> id != coordinator)
                    .findFirst()
                    .orElseThrow();
            // a partition whose only replica is on another broker than the coordinator
            String offline = "failover-offline";
            cluster.admin()
                    .createTopics(List.of(new NewTopic(offline, Map.of(0, List.of(stranded)))))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            TopicPartition offlineTp = new TopicPartition(offline, 0);
            TopicPartition liveTp = new TopicPartition(live, 0);
            cluster.awaitLeader(offlineTp);

            producer.beginTransaction();
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(offline, 0, null, ("off-" + i).getBytes(StandardCharsets.UTF_8)));
                producer.send(new ProducerRecord<>(live, 0, null, ("live-" + i).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
            int firstCoordinatorEpoch = cluster.broker(coordinator)
                    .replicaManager()
                    .partition(STATE)
                    .orElseThrow()
                    .leaderEpoch();

            cluster.kill(stranded); // the offline partition's marker cannot be written now
            producer.commitTransaction(); // answered once PrepareCommit is written
            assertThat(describe().state()).isEqualTo(TransactionState.PREPARE_COMMIT);

            cluster.kill(coordinator); // dies between PrepareCommit and the last marker
            int successor = cluster.awaitNewLeader(STATE, coordinator);
            assertThat(successor).isNotIn(coordinator, stranded);
            // the new coordinator knows the transaction and keeps it prepared while the marker cannot be written
            await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(() -> describe().state() == TransactionState.PREPARE_COMMIT);

            cluster.restart(stranded);
            await().atMost(Duration.ofSeconds(45))
                    .ignoreExceptions()
                    .until(() -> describe().state() == TransactionState.COMPLETE_COMMIT);

            // the offline partition's marker came from the new coordinator, with its higher epoch
            List<ProducerState> producers = cluster.admin()
                    .describeProducers(List.of(offlineTp))
                    .partitionResult(offlineTp)
                    .get(30, TimeUnit.SECONDS)
                    .activeProducers();
            assertThat(producers).singleElement().satisfies(p -> {
                assertThat(p.currentTransactionStartOffset()).isEmpty();
                assertThat(p.coordinatorEpoch()).isPresent();
                assertThat(p.coordinatorEpoch().getAsInt()).isGreaterThan(firstCoordinatorEpoch);
            });
            cluster.restart(coordinator);

            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                expected.add("off-" + i);
                expected.add("live-" + i);
            }
            assertThat(readCommitted(List.of(offlineTp, liveTp), expected.size()))
                    .containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    private TransactionDescription describe() throws Exception {
        return cluster.admin()
                .describeTransactions(List.of(TXN_ID))
                .description(TXN_ID)
                .get(10, TimeUnit.SECONDS);
    }

    private List<String> readCommitted(List<TopicPartition> partitions, int count) {
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(
                cluster.bootstrapServers(), Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<String> values = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(new String(r.value(), StandardCharsets.UTF_8));
                }
                return values.size() >= count;
            });
            consumer.poll(Duration.ofMillis(300))
                    .forEach(r -> values.add(new String(r.value(), StandardCharsets.UTF_8)));
            return values;
        }
    }
}
