package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stock Kafka CLI against three brokers: {@code kafka-consumer-groups --describe} shows a live group's members,
 * their assignments, committed offsets, log end offsets and lag exactly as the test made them; {@code --list} and
 * {@code --delete} see and remove groups; {@code kafka-console-consumer --group --from-beginning} reads every value of a
 * topic; {@code kafka-topics --list} sees the topics.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class ConsumerGroupCliIT {
    private static final String TOPIC = "cli";
    private static final int PARTITIONS = 3;
    private static final int PER_PARTITION = 30;
    private static final Duration TOOL_LIMIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private InJvmCluster cluster;

    @BeforeEach
    void startCluster() throws Exception {
        cluster = InJvmCluster.start(3, Map.of("offsets.topic.num.partitions", "5"));
        cluster.createTopicAndAwaitFullIsr(TOPIC, PARTITIONS, 3, Map.of());
    }

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void kafkaTopicsListsTheTopics() throws Exception {
        KafkaCli.Result list = KafkaCli.run(
                        dir, TOOL_LIMIT, KafkaCli.TOPICS, "--bootstrap-server", cluster.bootstrapServers(), "--list")
                .assertSuccess();
        assertThat(list.lines()).contains(TOPIC);
    }

    @Test
    void describeShowsEveryMemberItsPartitionsTheCommittedOffsetsAndTheLag() throws Exception {
        produceValues(PER_PARTITION * PARTITIONS);
        String group = "described";
        Map<String, String> groupConfig = Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000",
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "1000");
        try (KafkaConsumer<byte[], byte[]> a = member(groupConfig, "member-a");
                KafkaConsumer<byte[], byte[]> b = member(groupConfig, "member-b")) {
            a.subscribe(List.of(TOPIC));
            b.subscribe(List.of(TOPIC));
            // one thread polls both until they share a generation and split the partitions between them
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                a.poll(Duration.ofMillis(100));
                b.poll(Duration.ofMillis(100));
                return a.groupMetadata().generationId() == b.groupMetadata().generationId()
                        && !a.assignment().isEmpty()
                        && !b.assignment().isEmpty()
                        && a.assignment().size() + b.assignment().size() == PARTITIONS;
            });
            // partition p has consumed 5 + 7p records
            Map<Integer, KafkaConsumer<byte[], byte[]>> owner = new HashMap<>();
            Map<Integer, Long> committed = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                TopicPartition tp = new TopicPartition(TOPIC, p);
                KafkaConsumer<byte[], byte[]> c = a.assignment().contains(tp) ? a : b;
                owner.put(p, c);
                committed.put(p, 5L + 7L * p);
                c.commitSync(Map.of(tp, new OffsetAndMetadata(committed.get(p))), Duration.ofSeconds(30));
            }

            KafkaCli.Result describe = consumerGroups("--describe", "--group", group);
            List<Map<String, String>> rows = KafkaCli.table(describe.stdout(), "GROUP");
            assertThat(rows).as(describe.stdout()).hasSize(PARTITIONS);
            for (Map<String, String> row : rows) {
                int p = Integer.parseInt(row.get("PARTITION"));
                KafkaConsumer<byte[], byte[]> c = owner.get(p);
                assertThat(row)
                        .as("row of partition %d in%n%s", p, describe.stdout())
                        .containsEntry("GROUP", group)
                        .containsEntry("TOPIC", TOPIC)
                        .containsEntry("CURRENT-OFFSET", Long.toString(committed.get(p)))
                        .containsEntry("LOG-END-OFFSET", Integer.toString(PER_PARTITION))
                        .containsEntry("LAG", Long.toString(PER_PARTITION - committed.get(p)))
                        .containsEntry("CONSUMER-ID", c.groupMetadata().memberId())
                        .containsEntry("HOST", "/127.0.0.1")
                        .containsEntry("CLIENT-ID", c == a ? "member-a" : "member-b");
            }

            KafkaCli.Result members = consumerGroups("--describe", "--group", group, "--members");
            List<Map<String, String>> memberRows = KafkaCli.table(members.stdout(), "GROUP");
            assertThat(memberRows).as(members.stdout()).hasSize(2);
            for (Map<String, String> row : memberRows) {
                KafkaConsumer<byte[], byte[]> c = row.get("CLIENT-ID").equals("member-a") ? a : b;
                assertThat(row)
                        .as(members.stdout())
                        .containsEntry("CONSUMER-ID", c.groupMetadata().memberId())
                        .containsEntry(
                                "#PARTITIONS", Integer.toString(c.assignment().size()));
            }

            ConsumerGroupDescription description = cluster.admin()
                    .describeConsumerGroups(List.of(group))
                    .describedGroups()
                    .get(group)
                    .get(30, TimeUnit.SECONDS);
            Node coordinator = description.coordinator();
            KafkaCli.Result state = consumerGroups("--describe", "--group", group, "--state");
            List<Map<String, String>> stateRows = KafkaCli.table(state.stdout(), "GROUP");
            assertThat(stateRows).as(state.stdout()).hasSize(1);
            // "COORDINATOR (ID)" is two words in the header and two in the row: "host:port" and "(id)"
            assertThat(stateRows.get(0))
                    .as(state.stdout())
                    .containsEntry("COORDINATOR", coordinator.host() + ":" + coordinator.port())
                    .containsEntry("(ID)", "(" + coordinator.id() + ")")
                    .containsEntry("ASSIGNMENT-STRATEGY", "range")
                    .containsEntry("STATE", "Stable")
                    .containsEntry("#MEMBERS", "2");

            assertThat(consumerGroups("--list").lines()).contains(group);
        }
    }

    @Test
    void theConsoleConsumerReadsTheTopicFromTheBeginningAndItsEmptyGroupCanBeDeleted() throws Exception {
        int count = PER_PARTITION * PARTITIONS;
        List<String> produced = produceValues(count);
        String group = "console";
        KafkaCli.Result console = KafkaCli.run(
                        dir,
                        TOOL_LIMIT,
                        KafkaCli.CONSOLE_CONSUMER,
                        "--bootstrap-server",
                        cluster.bootstrapServers(),
                        "--topic",
                        TOPIC,
                        "--group",
                        group,
                        "--from-beginning",
                        "--max-messages",
                        Integer.toString(count),
                        "--timeout-ms",
                        "45000")
                .assertSuccess();
        assertThat(console.lines()).as(console.stderr()).containsExactlyInAnyOrderElementsOf(produced);
        assertThat(console.stderr()).contains("Processed a total of " + count + " messages");

        // the console consumer committed its positions when it closed: nothing left to read
        KafkaCli.Result describe = consumerGroups("--describe", "--group", group);
        List<Map<String, String>> rows = KafkaCli.table(describe.stdout(), "GROUP");
        assertThat(rows).as(describe.stdout()).hasSize(PARTITIONS);
        for (Map<String, String> row : rows) {
            assertThat(row)
                    .as(describe.stdout())
                    .containsEntry("CURRENT-OFFSET", Integer.toString(PER_PARTITION))
                    .containsEntry("LOG-END-OFFSET", Integer.toString(PER_PARTITION))
                    .containsEntry("LAG", "0")
                    .containsEntry("CONSUMER-ID", "-");
        }
        assertThat(describe.stdout() + describe.stderr()).contains("has no active members");

        assertThat(consumerGroups("--list").lines()).contains(group);
        KafkaCli.Result delete = consumerGroups("--delete", "--group", group);
        assertThat(delete.stdout()).contains("Deletion of requested consumer groups ('" + group + "') was successful");
        assertThat(consumerGroups("--list").lines()).doesNotContain(group);
    }

    private KafkaCli.Result consumerGroups(String... args) throws Exception {
        // --timeout: the tool's own 5 s default for finding the coordinator is short on a loaded machine
        List<String> all =
                new ArrayList<>(List.of("--bootstrap-server", cluster.bootstrapServers(), "--timeout", "30000"));
        all.addAll(List.of(args));
        return KafkaCli.run(dir, TOOL_LIMIT, KafkaCli.CONSUMER_GROUPS, all.toArray(String[]::new))
                .assertSuccess();
    }

    private KafkaConsumer<byte[], byte[]> member(Map<String, String> groupConfig, String clientId) {
        Map<String, String> config = new HashMap<>(groupConfig);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        return Clients.consumer(cluster.bootstrapServers(), config);
    }

    /** Sends {@code value-i} for i in 0..count-1, round-robin over the partitions; returns the values. */
    private List<String> produceValues(int count) throws Exception {
        List<String> values = new ArrayList<>();
        Set<Integer> partitions = new HashSet<>();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrapServers(), Map.of())) {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String value = "value-" + i;
                values.add(value);
                sends.add(producer.send(
                        new ProducerRecord<>(TOPIC, i % PARTITIONS, null, value.getBytes(StandardCharsets.UTF_8))));
            }
            Clients.awaitAll(sends).forEach(m -> partitions.add(m.partition()));
        }
        assertThat(partitions).hasSize(PARTITIONS);
        return values;
    }
}
