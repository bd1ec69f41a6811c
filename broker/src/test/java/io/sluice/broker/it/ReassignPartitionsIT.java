package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.controller.Controller;
import io.sluice.controller.event.ControllerEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partition reassignment (KIP-455) on six in-JVM brokers with the stock {@code kafka-reassign-partitions} (kafka-tools
 * 3.9): {@code --generate} proposes a plan that moves a 6-partition RF 3 topic from brokers 1-3 onto 4-6,
 * {@code --execute} starts it and {@code --verify} sees it complete while an {@code acks=all} producer
 * writes; every acknowledged record is then read back at its offset. A move whose controller loses its seat mid-way
 * (its event thread held while its ZooKeeper session expires) is completed by the next controller, and a cancelled move
 * leaves the original replicas.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ReassignPartitionsIT {
    private static final String TOOL = "org.apache.kafka.tools.reassign.ReassignPartitionsCommand";
    private static final Duration TOOL_LIMIT = Duration.ofSeconds(60);
    private static final String MOVING = "moving";
    private static final int PARTITIONS = 6;
    private static final Set<Integer> OLD = Set.of(1, 2, 3);
    private static final Set<Integer> NEW = Set.of(4, 5, 6);

    @TempDir
    Path dir;

    private InJvmCluster cluster;

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void theStockToolMovesATopicUnderLoadAndMovesSurviveFailoverAndCancellation() throws Exception {
        cluster = InJvmCluster.start(6, Map.of("offsets.topic.num.partitions", "1"));
        Admin admin = cluster.admin();
        Map<Integer, List<Integer>> onOld = new TreeMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            onOld.put(p, List.of(1 + p % 3, 1 + (p + 1) % 3, 1 + (p + 2) % 3));
        }
        admin.createTopics(List.of(new NewTopic(MOVING, onOld))).all().get(30, TimeUnit.SECONDS);
        for (int p = 0; p < PARTITIONS; p++) {
            cluster.awaitIsr(new TopicPartition(MOVING, p), 3);
        }
        String bootstrap = cluster.bootstrapServers();

        try (AckedProducer producer = new AckedProducer(bootstrap, MOVING)) {
            await().atMost(InJvmCluster.WAIT).until(() -> producer.acked.size() >= 200);

            // --generate: a plan onto 4,5,6
            Path topicsFile = dir.resolve("topics.json");
            Files.writeString(topicsFile, "{\"version\":1,\"topics\":[{\"topic\":\"" + MOVING + "\"}]}");
            KafkaCli.Result generated = KafkaCli.run(
                            dir,
                            TOOL_LIMIT,
                            TOOL,
                            "--bootstrap-server",
                            bootstrap,
                            "--generate",
                            "--topics-to-move-json-file",
                            topicsFile.toString(),
                            "--broker-list",
                            "4,5,6")
                    .assertSuccess();
            List<String> lines = generated.lines();
            String plan = lines.get(lines.indexOf("Proposed partition reassignment configuration") + 1);
            assertThat(plan)
                    .contains("\"topic\":\"" + MOVING + "\"")
                    .doesNotContain("[1")
                    .doesNotContain(",1");
            Path planFile = dir.resolve("plan.json");
            Files.writeString(planFile, plan);

            // --execute (--throttle needs the broker throttle-rate keys, which replication throttling registers)
            KafkaCli.Result executed = KafkaCli.run(
                            dir,
                            TOOL_LIMIT,
                            TOOL,
                            "--bootstrap-server",
                            bootstrap,
                            "--execute",
                            "--throttle",
                            "5000000",
                            "--reassignment-json-file",
                            planFile.toString())
                    .assertSuccess();
            assertThat(executed.stdout()).contains("Successfully started partition reassignment");

            // the controller finishes every move; then --verify reports each partition completed
            await().atMost(InJvmCluster.WAIT)
                    .until(() -> admin.listPartitionReassignments()
                            .reassignments()
                            .get(30, TimeUnit.SECONDS)
                            .isEmpty());
            KafkaCli.Result verified = KafkaCli.run(
                            dir,
                            TOOL_LIMIT,
                            TOOL,
                            "--bootstrap-server",
                            bootstrap,
                            "--verify",
                            "--reassignment-json-file",
                            planFile.toString())
                    .assertSuccess();
            assertThat(verified.lines())
                    .filteredOn(l -> l.startsWith("Reassignment of partition"))
                    .hasSize(PARTITIONS)
                    .allSatisfy(l -> assertThat(l).endsWith("is completed."));
            // --verify of a finished move removes the throttles --execute --throttle set
            assertThat(verified.stdout())
                    .contains("Clearing broker-level throttles")
                    .contains("Clearing topic-level throttles");
            Config topicConfig = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, MOVING)))
                    .all()
                    .get(30, TimeUnit.SECONDS)
                    .values()
                    .iterator()
                    .next();
            assertThat(topicConfig.get("leader.replication.throttled.replicas").value())
                    .isEmpty();
            Map<Integer, TopicPartitionInfo> moved = describe(admin, MOVING);
            for (TopicPartitionInfo p : moved.values()) {
                assertThat(ids(p.replicas()))
                        .as("replicas of partition %d", p.partition())
                        .isSubsetOf(NEW);
                assertThat(ids(p.isr()))
                        .as("ISR of partition %d", p.partition())
                        .hasSize(3);
                assertThat(NEW).contains(p.leader().id());
            }
            assertThat(admin.listPartitionReassignments().reassignments().get(30, TimeUnit.SECONDS))
                    .isEmpty();
            // the removed replicas' logs are deleted (renamed to *-delete at once, removed from disk later)
            await().atMost(InJvmCluster.WAIT).untilAsserted(() -> {
                for (int b : OLD) {
                    try (var files = Files.list(cluster.dataDir(b))) {
                        assertThat(files.map(f -> f.getFileName().toString()))
                                .as("data dir of broker %d", b)
                                .noneMatch(n -> n.matches(MOVING + "-\\d+"));
                    }
                }
            });

            // keep writing a little after the move, then check that nothing acknowledged was lost
            int ackedAfterMove = producer.acked.size();
            await().atMost(InJvmCluster.WAIT).until(() -> producer.acked.size() >= ackedAfterMove + 100);
            producer.stopAndAwait();
            assertThat(producer.failure.get()).as("producer failure").isNull();
            assertEveryAckedRecordIsThere(bootstrap, producer.acked);
        }

        controllerFailoverMidMove(admin);
        cancellationRestoresTheOriginalReplicas(admin);
    }

    /**
     * The controller starts a move, its event thread is then held (as in a long pause) so the move cannot complete
     * there, and its ZooKeeper session expires: the next controller resumes the move from the topic znode and completes
     * it once the new replicas join the ISR.
     */
    private void controllerFailoverMidMove(Admin admin) throws Exception {
        String topic = "failover";
        createOn(admin, topic, List.of(1, 2, 3));
        int first = cluster.controllerId();
        List<Integer> target = targetAvoiding(first);
        Controller controller = cluster.broker(first).controller();
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<AlterPartitionReassignmentsResponseData> started = new CompletableFuture<>();
        // one event enqueues the move and, right behind it, the pause: nothing can complete the move on this controller
        controller.enqueue(new ControllerEvent.Callback("start-then-pause", () -> {
            controller.alterPartitionReassignments(request(topic, target)).whenComplete((r, e) -> started.complete(r));
            controller.enqueue(new ControllerEvent.Callback("pause", () -> awaitQuietly(release)));
        }));
        try {
            assertThat(partitionError(started.get(30, TimeUnit.SECONDS))).isEqualTo(Errors.NONE);
            assertThat(assignmentInZooKeeper(topic)).containsExactlyElementsOf(movingReplicas(target));
            cluster.expireSession(first);
            await().atMost(InJvmCluster.WAIT).until(() -> {
                Optional<Integer> now = cluster.zooKeeper().controllerId();
                return now.isPresent() && now.get() != first;
            });
        } finally {
            release.countDown();
        }
        await().atMost(InJvmCluster.WAIT).untilAsserted(() -> {
            TopicPartitionInfo p = describe(admin, topic).get(0);
            assertThat(ids(p.replicas())).containsExactlyElementsOf(target);
            assertThat(ids(p.isr())).containsExactlyInAnyOrderElementsOf(target);
            assertThat(assignmentInZooKeeper(topic)).containsExactlyElementsOf(target);
        });
    }

    /** A move cancelled before it could complete (both queued in one event) leaves the original replicas. */
    private void cancellationRestoresTheOriginalReplicas(Admin admin) throws Exception {
        String topic = "cancelled";
        createOn(admin, topic, List.of(1, 2, 3));
        int id = cluster.controllerId();
        Controller controller = cluster.broker(id).controller();
        CompletableFuture<AlterPartitionReassignmentsResponseData> moved = new CompletableFuture<>();
        CompletableFuture<AlterPartitionReassignmentsResponseData> cancelled = new CompletableFuture<>();
        controller.enqueue(new ControllerEvent.Callback("start-then-cancel", () -> {
            controller
                    .alterPartitionReassignments(request(topic, List.of(4, 5, 6)))
                    .whenComplete((r, e) -> {
                        if (e != null) {
                            moved.completeExceptionally(e);
                        } else {
                            moved.complete(r);
                        }
                    });
            controller.alterPartitionReassignments(request(topic, null)).whenComplete((r, e) -> {
                if (e != null) {
                    cancelled.completeExceptionally(e);
                } else {
                    cancelled.complete(r);
                }
            });
        }));
        assertThat(partitionError(moved.get(30, TimeUnit.SECONDS))).isEqualTo(Errors.NONE);
        assertThat(partitionError(cancelled.get(30, TimeUnit.SECONDS))).isEqualTo(Errors.NONE);
        assertThat(assignmentInZooKeeper(topic)).containsExactly(1, 2, 3);
        // the brokers' metadata follows through UpdateMetadata
        await().atMost(InJvmCluster.WAIT)
                .untilAsserted(
                        () -> assertThat(ids(describe(admin, topic).get(0).replicas()))
                                .containsExactly(1, 2, 3));
        // cancelling again: nothing in progress, over the wire
        var again = admin.alterPartitionReassignments(Map.of(new TopicPartition(topic, 0), Optional.empty()))
                .all();
        assertThat(again)
                .failsWithin(Duration.ofSeconds(30))
                .withThrowableThat()
                .withMessageContaining("No reassignment in progress");
    }

    // ---- helpers

    private void createOn(Admin admin, String topic, List<Integer> replicas) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, Map.of(0, replicas))))
                .all()
                .get(30, TimeUnit.SECONDS);
        cluster.awaitIsr(new TopicPartition(topic, 0), replicas.size());
    }

    /** Three target brokers off 1-3 where possible, never the given (soon former) controller. */
    private static List<Integer> targetAvoiding(int controller) {
        List<Integer> out = new ArrayList<>();
        for (int b : List.of(4, 5, 6, 3, 2, 1)) {
            if (b != controller && out.size() < 3) {
                out.add(b);
            }
        }
        return out;
    }

    /** RS while moving from 1,2,3 to {@code target}: the target, then the original replicas not in it. */
    private static List<Integer> movingReplicas(List<Integer> target) {
        List<Integer> out = new ArrayList<>(target);
        for (int b : List.of(1, 2, 3)) {
            if (!out.contains(b)) {
                out.add(b);
            }
        }
        return out;
    }

    private List<Integer> assignmentInZooKeeper(String topic) {
        return cluster.zooKeeper().topic(topic).orElseThrow().value().replicas(0);
    }

    private static AlterPartitionReassignmentsRequestData request(String topic, List<Integer> target) {
        AlterPartitionReassignmentsRequestData request = new AlterPartitionReassignmentsRequestData();
        request.topics()
                .add(new AlterPartitionReassignmentsRequestData.ReassignableTopic()
                        .setName(topic)
                        .setPartitions(new ArrayList<>(
                                List.of(new AlterPartitionReassignmentsRequestData.ReassignablePartition()
                                        .setPartitionIndex(0)
                                        .setReplicas(target == null ? null : new ArrayList<>(target))))));
        return request;
    }

    private static Errors partitionError(AlterPartitionReassignmentsResponseData r) {
        assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.NONE);
        return Errors.forCode(r.responses().get(0).partitions().get(0).errorCode());
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Map<Integer, TopicPartitionInfo> describe(Admin admin, String topic) throws Exception {
        TopicDescription d = admin.describeTopics(List.of(topic))
                .allTopicNames()
                .get(30, TimeUnit.SECONDS)
                .get(topic);
        Map<Integer, TopicPartitionInfo> out = new TreeMap<>();
        d.partitions().forEach(p -> out.put(p.partition(), p));
        return out;
    }

    private static List<Integer> ids(List<Node> nodes) {
        return nodes.stream().map(Node::id).toList();
    }

    private static void assertEveryAckedRecordIsThere(String bootstrap, Map<String, TopicPartitionOffset> acked) {
        Map<TopicPartition, Long> ends = new HashMap<>();
        acked.values().forEach(a -> ends.merge(a.tp(), a.offset() + 1, Math::max));
        Map<TopicPartition, Map<Long, String>> read = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(bootstrap, Map.of())) {
            consumer.assign(ends.keySet());
            consumer.seekToBeginning(ends.keySet());
            await().atMost(InJvmCluster.WAIT).until(() -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    read.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> new HashMap<>())
                            .put(r.offset(), new String(r.value(), StandardCharsets.UTF_8));
                }
                return ends.entrySet().stream()
                        .allMatch(e -> read.getOrDefault(e.getKey(), Map.of()).size() >= e.getValue());
            });
        }
        acked.forEach(
                (value, at) -> assertThat(read.getOrDefault(at.tp(), Map.of()).get(at.offset()))
                        .as("acknowledged %s at %s offset %d", value, at.tp(), at.offset())
                        .isEqualTo(value));
    }

    private record TopicPartitionOffset(TopicPartition tp, long offset) {}

    /** An {@code acks=all} idempotent producer sending distinct values as fast as acknowledgements allow. */
    private static final class AckedProducer implements AutoCloseable {
        final Map<String, TopicPartitionOffset> acked = new ConcurrentHashMap<>();
        final AtomicReference<Exception> failure = new AtomicReference<>();
        private final KafkaProducer<byte[], byte[]> producer;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        AckedProducer(String bootstrap, String topic) {
            producer = Clients.producer(
                    bootstrap, Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, "5"));
            thread = new Thread(
                    () -> {
                        int i = 0;
                        while (running.get()) {
                            String value = "value-" + i++;
                            producer.send(
                                    new ProducerRecord<>(topic, value.getBytes(StandardCharsets.UTF_8)), (md, e) -> {
                                        if (e != null) {
                                            failure.compareAndSet(null, e);
                                        } else {
                                            acked.put(
                                                    value,
                                                    new TopicPartitionOffset(
                                                            new TopicPartition(md.topic(), md.partition()),
                                                            md.offset()));
                                        }
                                    });
                            if (i % 50 == 0) {
                                sleepQuietly();
                            }
                        }
                    },
                    "acked-producer");
            thread.setDaemon(true);
            thread.start();
        }

        private static void sleepQuietly() {
            try {
                // pacing, not waiting for a condition: a steady trickle of records
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void stopAndAwait() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
            producer.flush();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
            producer.close(Duration.ofSeconds(5));
        }
    }
}
