package io.sluice.broker.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/sluice-cluster} end to end, as processes: up → RF 3 topic → produce/consume → kill broker 2 → leaders
 * move and ISRs shrink → start 2 heals → stop 3 (controlled shutdown) moves leadership away → start 3 heals → down
 * leaves no process and no bound port.
 */
@Timeout(420)
class LocalClusterScriptIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "orders";

    @TempDir
    Path dir;

    private int zkPort;
    private int basePort;
    private int metricsBasePort;

    @BeforeEach
    void needsABuild() throws IOException {
        assumeThat(RepoFiles.onPath("bash"))
                .as("bash is needed to run bin/sluice-cluster")
                .isPresent();
        assumeThat(Files.isDirectory(RepoFiles.root().resolve("broker/target/lib")))
                .as("broker/target/lib is missing: run mvn -DskipTests package first")
                .isTrue();
        Random random = new Random();
        zkPort = freePortRange(random, 1);
        basePort = freePortRange(random, 3);
        metricsBasePort = freePortRange(random, 3);
    }

    @AfterEach
    void down() {
        if (Files.exists(dir.resolve("cluster.env"))) {
            cluster("down");
        }
    }

    @Test
    void upFailoverHealDown() throws Exception {
        RepoFiles.Run up = cluster(
                "up",
                "--zk-port",
                String.valueOf(zkPort),
                "--base-port",
                String.valueOf(basePort),
                "--metrics-base-port",
                String.valueOf(metricsBasePort),
                "--set",
                "zookeeper.session.timeout.ms=6000",
                "--set",
                "replica.lag.time.max.ms=10000");
        assertThat(up.exitCode()).as("up: %s", up.stderr()).isZero();
        assertThat(up.stdout()).contains("bootstrap servers: " + bootstrap());
        Set<Long> pids = pids();
        assertThat(pids).hasSize(4);

        JsonNode brokers = admin("--json", "brokers");
        assertThat(brokers.get("brokers")).hasSize(3);
        Set<String> racks = new HashSet<>();
        brokers.get("brokers").forEach(b -> racks.add(b.get("rack").asText()));
        assertThat(racks).containsExactlyInAnyOrder("r1", "r2", "r3");

        admin(
                "--json",
                "topics",
                "create",
                "--topic",
                TOPIC,
                "--partitions",
                "3",
                "--replication-factor",
                "3",
                "--config",
                "min.insync.replicas=2");
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(partitions())
                        .allSatisfy(p -> assertThat(p.get("isr")).hasSize(3)));
        produce(0, 30);
        assertThat(consume(30)).containsExactlyElementsOf(values(0, 30));

        RepoFiles.Run kill = cluster("kill", "2");
        assertThat(kill.exitCode()).as(kill.stderr()).isZero();
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofSeconds(2))
                .untilAsserted(() -> {
                    List<JsonNode> partitions = partitions();
                    assertThat(partitions).allSatisfy(p -> {
                        assertThat(p.get("leader").asInt()).isNotIn(-1, 2);
                        assertThat(p.get("isr").toString()).doesNotContain("2");
                        assertThat(p.get("underReplicated").asBoolean()).isTrue();
                    });
                });
        RepoFiles.Run status = cluster("status");
        assertThat(status.stdout()).contains("under-replicated").containsPattern("broker 2\\s+-\\s+stopped");
        produce(30, 60);

        RepoFiles.Run start = cluster("start", "2");
        assertThat(start.exitCode()).as("start 2: %s", start.stderr()).isZero();
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofSeconds(2))
                .untilAsserted(() -> assertThat(partitions())
                        .allSatisfy(p -> assertThat(p.get("isr")).hasSize(3)));
        assertThat(admin("--json", "topics", "describe", "--under-replicated").get("topics"))
                .isEmpty();
        assertThat(consume(60)).containsExactlyInAnyOrderElementsOf(values(0, 60));

        // stop N: a controlled shutdown moves leadership away before the process exits
        RepoFiles.Run stop = cluster("stop", "3");
        assertThat(stop.exitCode()).as("stop 3: %s", stop.stderr()).isZero();
        assertThat(cluster("status").stdout()).containsPattern("broker 3\\s+-\\s+stopped");
        assertThat(partitions())
                .allSatisfy(p -> assertThat(p.get("leader").asInt()).isNotIn(-1, 3));
        RepoFiles.Run restart = cluster("start", "3");
        assertThat(restart.exitCode()).as("start 3: %s", restart.stderr()).isZero();
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofSeconds(2))
                .untilAsserted(() -> assertThat(partitions())
                        .allSatisfy(p -> assertThat(p.get("isr")).hasSize(3)));

        JsonNode controller = admin("--json", "--zookeeper", "127.0.0.1:" + zkPort, "controller");
        assertThat(controller.get("controller").asInt()).isBetween(1, 3);
        assertThat(controller.get("epoch").asInt()).isPositive();
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(2))
                .untilAsserted(() -> {
                    admin("--json", "elect-leaders");
                    assertThat(partitions())
                            .allSatisfy(p -> assertThat(p.get("leader").asInt())
                                    .isEqualTo(p.get("replicas").get(0).asInt()));
                });
        admin("--json", "topics", "alter", "--topic", TOPIC, "--config", "retention.ms=3600000");
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(admin("--json", "topics", "describe", "--topic", TOPIC)
                                .get("topics")
                                .get(0)
                                .get("configs")
                                .get("retention.ms")
                                .asText())
                        .isEqualTo("3600000"));

        RepoFiles.Run down = cluster("down");
        assertThat(down.exitCode()).as(down.stderr()).isZero();
        Set<Long> all = new HashSet<>(pids);
        all.addAll(pids());
        for (long pid : all) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    .as("process %d still alive after down", pid)
                    .isFalse();
        }
        for (int port : List.of(zkPort, basePort, basePort + 1, basePort + 2)) {
            assertThat(listening(port))
                    .as("port %d still bound after down", port)
                    .isFalse();
        }
        assertThat(pids()).isEmpty();
    }

    @Test
    void anInvalidConfigurationExitsTwoNamingTheKey() throws IOException {
        Path config = dir.resolve("bad.properties");
        Files.writeString(
                config,
                "broker.id=1\nzookeeper.connect=127.0.0.1:" + zkPort + "\nlog.dirs=" + dir.resolve("data")
                        + "\nnum.io.threads=zero\n");

        RepoFiles.Run run = RepoFiles.run(List.of("bash", "bin/sluice-broker", config.toString()), Map.of(), 120);

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderr()).contains("num.io.threads");
    }

    private RepoFiles.Run cluster(String... args) {
        List<String> command = new ArrayList<>(List.of("bash", "bin/sluice-cluster"));
        command.addAll(List.of(args));
        command.addAll(List.of("--dir", dir.toString(), "--timeout", "90"));
        return RepoFiles.run(command, Map.of(), 300);
    }

    private JsonNode admin(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("bash", "bin/sluice-admin", "--bootstrap-server", bootstrap()));
        command.addAll(List.of(args));
        RepoFiles.Run run = RepoFiles.run(command, Map.of(), 120);
        assertThat(run.exitCode())
                .as("sluice-admin %s: %s", List.of(args), run.stderr())
                .isZero();
        return JSON.readTree(run.stdout());
    }

    private List<JsonNode> partitions() throws IOException {
        JsonNode topics =
                admin("--json", "topics", "describe", "--topic", TOPIC).get("topics");
        List<JsonNode> out = new ArrayList<>();
        topics.get(0).get("partitions").forEach(out::add);
        assertThat(out).hasSize(3);
        return out;
    }

    private String bootstrap() {
        return IntStream.range(0, 3)
                .mapToObj(i -> "127.0.0.1:" + (basePort + i))
                .reduce((a, b) -> a + "," + b)
                .orElseThrow();
    }

    private Set<Long> pids() throws IOException {
        Set<Long> out = new HashSet<>();
        try (var files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".pid")).toList()) {
                out.add(Long.parseLong(Files.readString(file).trim()));
            }
        }
        return out;
    }

    private void produce(int from, int to) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            for (String value : values(from, to)) {
                producer.send(new ProducerRecord<>(TOPIC, value, value)).get();
            }
        }
    }

    private List<String> consume(int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = IntStream.range(0, 3)
                    .mapToObj(p -> new TopicPartition(TOPIC, p))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    values.add(record.value());
                }
                return values.size() >= expected;
            });
        }
        values.sort(null);
        return values;
    }

    private static List<String> values(int from, int to) {
        return IntStream.range(from, to)
                .mapToObj(i -> String.format("value-%03d", i))
                .sorted()
                .toList();
    }

    private static boolean listening(int port) {
        try (Socket ignored = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The first of {@code count} consecutive free ports in 20000-39999. */
    private static int freePortRange(Random random, int count) throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int first = 20_000 + random.nextInt(20_000 - count);
            boolean free = true;
            for (int port = first; port < first + count && free; port++) {
                try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                    socket.setReuseAddress(true);
                } catch (IOException e) {
                    free = false;
                }
            }
            if (free) {
                return first;
            }
        }
        throw new IOException("No free port range of " + count);
    }
}
