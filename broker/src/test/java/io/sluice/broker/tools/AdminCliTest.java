package io.sluice.broker.tools;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.broker.tools.ClusterAdmin.PartitionView;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

// A hang guard, not a speed check: each run builds the whole picocli command model, and one test runs ~30 of them,
// which took 36 s on a loaded machine.
@Timeout(120)
class AdminCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BOOTSTRAP = "--bootstrap-server=127.0.0.1:9092";

    private final FakeClusterAdmin cluster = new FakeClusterAdmin().withBrokers(3);
    private final List<String> connections = new ArrayList<>();
    private final List<Map<String, String>> clientConfigs = new ArrayList<>();
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    private final Map<String, String> env = new HashMap<>();

    private int run(String... args) {
        return AdminCli.run(
                args,
                InputStream.nullInputStream(),
                new PrintStream(stdout, true, StandardCharsets.UTF_8),
                new PrintStream(stderr, true, StandardCharsets.UTF_8),
                (bootstrap, clientProperties, timeoutMs, zookeeper) -> {
                    connections.add(bootstrap + " " + timeoutMs + " " + zookeeper.orElse("-"));
                    clientConfigs.add(clientProperties);
                    return cluster;
                },
                env);
    }

    private String out() {
        return stdout.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return stderr.toString(StandardCharsets.UTF_8);
    }

    private JsonNode json() throws Exception {
        return JSON.readTree(out());
    }

    @Test
    void createsATopicWithConfigs() {
        int code = run(
                "topics",
                "create",
                BOOTSTRAP,
                "--topic",
                "orders",
                "--partitions",
                "3",
                "--replication-factor",
                "3",
                "--config",
                "min.insync.replicas=2",
                "--config=retention.ms=60000");

        assertThat(code).isEqualTo(AdminCli.EXIT_OK);
        assertThat(cluster.calls).containsExactly("createTopic orders 3 3 {min.insync.replicas=2, retention.ms=60000}");
        assertThat(out()).isEqualTo("Created topic orders." + System.lineSeparator());
        assertThat(connections).containsExactly("127.0.0.1:9092 30000 -");
        assertThat(cluster.closed).isTrue();
    }

    @Test
    void aFailedOperationExitsOneWithTheClustersMessage() {
        cluster.withTopic("orders", new PartitionView(0, 1, List.of(1), List.of(1), List.of()));

        int code = run(
                BOOTSTRAP, "topics", "create", "--topic", "orders", "--partitions", "1", "--replication-factor", "1");

        assertThat(code).isEqualTo(AdminCli.EXIT_FAILED);
        assertThat(err()).contains("TopicExistsException").contains("orders");
        assertThat(out()).isEmpty();
    }

    @Test
    void describeMarksUnderReplicatedAndOfflineReplicas() {
        cluster.withTopic(
                "orders",
                new PartitionView(0, 1, List.of(1, 2, 3), List.of(1, 2, 3), List.of()),
                new PartitionView(1, 3, List.of(2, 3, 1), List.of(3, 1), List.of(2)));

        int code = run(BOOTSTRAP, "topics", "describe", "--topic", "orders");

        assertThat(code).isZero();
        List<String> lines = out().lines().toList();
        assertThat(lines.get(0))
                .contains("Topic: orders")
                .contains("PartitionCount: 2")
                .contains("ReplicationFactor: 3");
        assertThat(lines.get(1)).matches("\\s+PARTITION\\s+LEADER\\s+REPLICAS\\s+ISR\\s+OFFLINE");
        assertThat(lines.get(2)).matches("\\s+0\\s+1\\s+1,2,3\\s+1,2,3\\s+-");
        assertThat(lines.get(3)).matches("\\s+1\\s+3\\s+2,3,1\\s+3,1\\s+2\\s+under-replicated");
    }

    @Test
    void describeUnderReplicatedOnlyAsJson() throws Exception {
        cluster.withTopic("healthy", new PartitionView(0, 1, List.of(1, 2), List.of(1, 2), List.of()))
                .withTopic(
                        "hurt",
                        new PartitionView(0, 1, List.of(1, 2), List.of(1, 2), List.of()),
                        new PartitionView(1, -1, List.of(2, 3), List.of(2), List.of(2, 3)));

        int code = run(BOOTSTRAP, "--json", "topics", "describe", "--under-replicated");

        assertThat(code).isZero();
        JsonNode topics = json().get("topics");
        assertThat(topics).hasSize(1);
        JsonNode hurt = topics.get(0);
        assertThat(hurt.get("name").asText()).isEqualTo("hurt");
        assertThat(hurt.get("partitionCount").asInt()).isEqualTo(2);
        assertThat(hurt.get("partitions")).hasSize(1);
        JsonNode p = hurt.get("partitions").get(0);
        assertThat(p.get("partition").asInt()).isEqualTo(1);
        assertThat(p.get("leader").asInt()).isEqualTo(-1);
        assertThat(p.get("offline").toString()).isEqualTo("[2,3]");
        assertThat(p.get("underReplicated").asBoolean()).isTrue();
    }

    @Test
    void listsTopicsAsTextAndJson() throws Exception {
        cluster.withTopic("b").withTopic("a");

        assertThat(run(BOOTSTRAP, "topics", "list")).isZero();
        assertThat(out().lines().toList()).containsExactly("a", "b");

        stdout.reset();
        assertThat(run(BOOTSTRAP, "topics", "list", "--json")).isZero();
        assertThat(json().get("topics").toString()).isEqualTo("[\"a\",\"b\"]");
    }

    @Test
    void brokersShowRacksAndTheController() throws Exception {
        cluster.controllerId = 2;

        assertThat(run(BOOTSTRAP, "brokers")).isZero();
        List<String> lines = out().lines().toList();
        assertThat(lines).contains("Cluster: cluster-1");
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("2\\s+127\\.0\\.0\\.1:9093\\s+r2\\s+controller"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("1\\s+127\\.0\\.0\\.1:9092\\s+r1"));

        stdout.reset();
        assertThat(run(BOOTSTRAP, "brokers", "--json")).isZero();
        JsonNode doc = json();
        assertThat(doc.get("controller").asInt()).isEqualTo(2);
        assertThat(doc.get("brokers")).hasSize(3);
        assertThat(doc.get("brokers").get(1).get("rack").asText()).isEqualTo("r2");
        assertThat(doc.get("brokers").get(1).get("controller").asBoolean()).isTrue();
        assertThat(doc.get("brokers").get(0).get("controller").asBoolean()).isFalse();
    }

    @Test
    void controllerShowsTheEpochReadFromZooKeeper() throws Exception {
        cluster.controllerId = 3;
        cluster.epoch = OptionalInt.of(7);

        assertThat(run(BOOTSTRAP, "--zookeeper", "127.0.0.1:2181", "controller"))
                .isZero();
        assertThat(out()).isEqualTo("Controller: 3 (epoch 7)" + System.lineSeparator());
        assertThat(connections).containsExactly("127.0.0.1:9092 30000 127.0.0.1:2181");

        stdout.reset();
        assertThat(run(BOOTSTRAP, "--zookeeper", "127.0.0.1:2181", "controller", "--json"))
                .isZero();
        assertThat(json().get("epoch").asInt()).isEqualTo(7);
    }

    @Test
    void controllerWithoutZooKeeperSaysHowToGetTheEpoch() throws Exception {
        assertThat(run(BOOTSTRAP, "controller")).isZero();
        assertThat(out()).contains("Controller: 1").contains("--zookeeper");

        stdout.reset();
        assertThat(run(BOOTSTRAP, "controller", "--json")).isZero();
        assertThat(json().get("epoch").isNull()).isTrue();
    }

    @Test
    void noControllerIsAFailure() {
        cluster.controllerId = -1;
        assertThat(run(BOOTSTRAP, "controller")).isEqualTo(AdminCli.EXIT_FAILED);
        assertThat(out()).contains("Controller: none");
    }

    @Test
    void alterChangesPartitionsAndConfigs() {
        int code = run(
                BOOTSTRAP,
                "topics",
                "alter",
                "--topic",
                "t",
                "--partitions",
                "6",
                "--config",
                "retention.ms=1000",
                "--delete-config",
                "segment.bytes");

        assertThat(code).isZero();
        assertThat(cluster.calls)
                .containsExactly("createPartitions t 6", "alterTopicConfigs t {retention.ms=1000} [segment.bytes]");
        assertThat(out())
                .contains("partitions=6")
                .contains("set retention.ms=1000")
                .contains("deleted segment.bytes");
    }

    @Test
    void deleteRemovesTheTopic() throws Exception {
        cluster.withTopic("t");
        assertThat(run(BOOTSTRAP, "--json", "topics", "delete", "--topic", "t")).isZero();
        assertThat(json().get("result").asText()).isEqualTo("deleted");
        assertThat(cluster.topics).doesNotContainKey("t");
    }

    @Test
    void electLeadersReportsEachPartitionAndFailsIfOneFailed() {
        TopicPartition ok = new TopicPartition("t", 0);
        TopicPartition bad = new TopicPartition("t", 1);
        Map<TopicPartition, Optional<String>> results = new LinkedHashMap<>();
        results.put(ok, Optional.empty());
        results.put(bad, Optional.of("not in ISR"));
        cluster.electionResults = results;

        int code = run(BOOTSTRAP, "elect-leaders", "--topic", "t", "--partition", "1");

        assertThat(code).isEqualTo(AdminCli.EXIT_FAILED);
        assertThat(cluster.calls).containsExactly("electPreferredLeaders [t-1]");
        assertThat(out()).contains("t-0: on its preferred leader").contains("t-1: failed: not in ISR");
    }

    @Test
    void electLeadersForAllPartitions() {
        cluster.electionResults = Map.of(new TopicPartition("t", 0), Optional.empty());
        assertThat(run(BOOTSTRAP, "elect-leaders")).isZero();
        assertThat(cluster.calls).containsExactly("electPreferredLeaders []");
    }

    @Test
    void usageErrorsExitTwoWithoutConnecting() {
        String[][] bad = {
            {},
            {BOOTSTRAP, "topics"},
            {BOOTSTRAP, "topics", "explode"},
            {BOOTSTRAP, "nonsense"},
            {BOOTSTRAP, "topics", "create", "--topic", "t", "--partitions", "3"},
            {BOOTSTRAP, "topics", "create", "--topic", "t", "--partitions", "zero", "--replication-factor", "1"},
            {BOOTSTRAP, "topics", "create", "--topic", "t", "--partitions", "0", "--replication-factor", "1"},
            {
                BOOTSTRAP,
                "topics",
                "create",
                "--topic",
                "t",
                "--partitions",
                "1",
                "--replication-factor",
                "1",
                "--config",
                "novalue"
            },
            {BOOTSTRAP, "topics", "list", "--topic", "t"},
            {BOOTSTRAP, "topics", "alter", "--topic", "t"},
            {BOOTSTRAP, "topics", "alter", "--topic", "t", "--config", "a=1", "--delete-config", "a"},
            {BOOTSTRAP, "topics", "delete"},
            {BOOTSTRAP, "elect-leaders", "--topic", "t"},
            {BOOTSTRAP, "brokers", "extra"},
            {BOOTSTRAP, "brokers", "--frobnicate"},
            {BOOTSTRAP, "brokers", "--timeout-ms", "-1"},
            {BOOTSTRAP, "brokers", "--bootstrap-server"},
            {BOOTSTRAP, BOOTSTRAP, "brokers"},
        };
        for (String[] args : bad) {
            stderr.reset();
            assertThat(run(args)).as(String.join(" ", args)).isEqualTo(AdminCli.EXIT_USAGE);
            assertThat(err()).as(String.join(" ", args)).startsWith("sluice-admin: ");
        }
        assertThat(connections).isEmpty();
    }

    @Test
    void usageErrorsNameTheProblem() {
        run(BOOTSTRAP, "topics", "create", "--topic", "t", "--partitions", "3");
        assertThat(err()).contains("--replication-factor");

        stderr.reset();
        run(BOOTSTRAP, "brokers", "--frobnicate");
        assertThat(err()).contains("Unknown option --frobnicate");
    }

    @Test
    void helpPrintsUsageAndSucceeds() {
        assertThat(run("--help")).isZero();
        assertThat(out())
                .contains("Usage: sluice-admin")
                .contains("elect-leaders")
                .contains("Exit codes");
        assertThat(connections).isEmpty();
    }

    @Test
    void subcommandHelpDescribesThatCommand() {
        assertThat(run("topics", "create", "--help")).isZero();
        assertThat(out())
                .contains("Usage: sluice-admin topics create")
                .contains("--replication-factor")
                .doesNotContain("elect-leaders");
        assertThat(connections).isEmpty();
    }

    @Test
    void versionPrintsTheProjectVersion() {
        assertThat(run("--version")).isZero();
        assertThat(out()).matches("sluice-admin \\d+\\.\\d+\\.\\d+.*\\R");
    }

    @Test
    void bootstrapDefaultsToTheEnvironmentThenToLocalhost() {
        assertThat(run("topics", "list")).isZero();
        env.put("SLUICE_BOOTSTRAP_SERVERS", "10.0.0.1:9092,10.0.0.2:9092");
        assertThat(run("topics", "list")).isZero();
        assertThat(run("topics", "list", "--bootstrap-server", "10.0.0.3:9092")).isZero();
        assertThat(connections)
                .containsExactly(
                        "127.0.0.1:9092 30000 -", "10.0.0.1:9092,10.0.0.2:9092 30000 -", "10.0.0.3:9092 30000 -");
    }

    @Test
    void clientPropertiesComeFromTheCommandConfigElseTheNamedFileElseTheProfile(@TempDir Path home) throws Exception {
        Path profile = Files.createDirectories(home.resolve(".config/sluice")).resolve("admin.properties");
        Files.writeString(
                profile,
                "bootstrap.servers=10.0.0.9:9092\nsecurity.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n",
                StandardCharsets.UTF_8);
        Path other =
                Files.writeString(home.resolve("other.properties"), "security.protocol=SSL\n", StandardCharsets.UTF_8);
        env.put("HOME", home.toString());

        assertThat(run("topics", "list")).isZero();
        assertThat(connections).last().isEqualTo("10.0.0.9:9092 30000 -");
        assertThat(clientConfigs.get(0))
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512");

        env.put("SLUICE_BOOTSTRAP_SERVERS", "10.0.0.1:9092");
        assertThat(run("topics", "list", "--command-config", other.toString())).isZero();
        assertThat(connections).last().isEqualTo("10.0.0.1:9092 30000 -");
        assertThat(clientConfigs.get(1)).containsExactly(Map.entry("security.protocol", "SSL"));

        env.put("SLUICE_ADMIN_CONFIG", other.toString());
        assertThat(run("topics", "list")).isZero();
        assertThat(clientConfigs.get(2)).containsExactly(Map.entry("security.protocol", "SSL"));

        Path missing = home.resolve("missing.properties");
        assertThat(run("topics", "list", "--command-config", missing.toString()))
                .isEqualTo(AdminCli.EXIT_USAGE);
        assertThat(err()).contains("Cannot read the client properties file " + missing, "--command-config");
        env.put("SLUICE_ADMIN_CONFIG", missing.toString());
        assertThat(run("topics", "list")).isEqualTo(AdminCli.EXIT_USAGE);
        assertThat(err()).contains("$SLUICE_ADMIN_CONFIG");
        assertThat(clientConfigs).hasSize(3);
    }

    @Test
    void globalOptionsMayFollowTheCommand() throws Exception {
        cluster.withTopic("a");
        assertThat(run("topics", "list", "--json", "--timeout-ms=900", BOOTSTRAP))
                .isZero();
        assertThat(json().get("topics").toString()).isEqualTo("[\"a\"]");
        assertThat(connections).containsExactly("127.0.0.1:9092 900 -");
    }

    @Test
    void completionScriptIsGeneratedFromTheCommandModel() {
        assertThat(run("generate-completion")).isZero();
        assertThat(out()).contains("complete -F").contains("elect-leaders").contains("--replication-factor");
    }

    @Test
    void healthIsZeroOnAHealthyCluster() throws Exception {
        cluster.withTopic("t", new PartitionView(0, 1, List.of(1, 2, 3), List.of(1, 2, 3), List.of()));
        cluster.minIsr.put("t", 2);

        assertThat(run("cluster", "health")).isZero();
        assertThat(out()).startsWith("HEALTHY: controller 1, 3 live broker(s)");

        stdout.reset();
        assertThat(run("cluster", "health", "--json")).isZero();
        assertThat(json().get("healthy").asBoolean()).isTrue();
        assertThat(json().get("problems")).isEmpty();
    }

    @Test
    void healthNamesEveryReasonAndExitsOne() throws Exception {
        cluster.brokers.remove(2); // broker 3 is gone
        cluster.controllerId = -1;
        cluster.withTopic(
                "t",
                new PartitionView(0, 1, List.of(1, 3), List.of(1), List.of(3)),
                new PartitionView(1, -1, List.of(3), List.of(3), List.of(3)));
        cluster.minIsr.put("t", 2);

        assertThat(run("cluster", "health")).isEqualTo(AdminCli.EXIT_FAILED);
        assertThat(out())
                .startsWith("UNHEALTHY:")
                .contains("no active controller")
                .contains("broker 3 is not registered (it holds replicas of 2 partitions)")
                .contains("t-1 has no leader")
                .contains("t-0 is under min ISR (ISR 1, min.insync.replicas=2)")
                .contains("t-0 is under-replicated (ISR 1 of replicas 1,3)");
    }

    @Test
    void healthExitWhenHealthyGivesUpAtTheTimeout() {
        cluster.withTopic("t", new PartitionView(0, 1, List.of(1, 2), List.of(1), List.of()));

        int code = run("cluster", "health", "--exit-when-healthy", "--timeout", "300ms", "--interval", "100ms");

        assertThat(code).isEqualTo(AdminCli.EXIT_FAILED);
        assertThat(err()).contains("t-0 is under-replicated").contains("not healthy within 300 ms");
        assertThat(out()).contains("UNHEALTHY");
    }

    @Test
    void healthRejectsABadDuration() {
        assertThat(run("cluster", "health", "--exit-when-healthy", "--timeout", "soon"))
                .isEqualTo(AdminCli.EXIT_USAGE);
        assertThat(err()).contains("--timeout").contains("soon");
        assertThat(connections).isEmpty();
    }

    @Test
    void clientCommandUsageErrorsNameTheFlagAndExitTwo() {
        String[][] bad = {
            {"produce"},
            {"produce", "--topic", "t", "--acks", "2"},
            {"produce", "--topic", "t", "--compression", "brotli"},
            {"produce", "--topic", "t", "--rate", "0"},
            {"produce", "--topic", "t", "--header", "novalue"},
            {"produce", "--topic", "t", "--file", "/nonexistent/file"},
            {"consume", "--topic", "t", "--group", "g", "--partition", "0"},
            {"consume", "--topic", "t", "--from-beginning", "--offset", "3"},
            {"consume", "--topic", "t", "--group", "g", "--timestamp", "5"},
            {"consume", "--topic", "t", "--max-messages", "0"},
            {"consume", "--topic", "t", "--format", "%q"},
            {"consume", "--topic", "t", "--offset", "many"},
            {"groups"},
            {"groups", "describe"},
            {"groups", "reset-offsets", "--group", "g", "--topic", "t"},
            {"groups", "reset-offsets", "--group", "g", "--all-topics", "--to-earliest", "--to-latest"},
            {"groups", "reset-offsets", "--group", "g", "--all-topics", "--to-earliest", "--dry-run", "--execute"},
            {"groups", "reset-offsets", "--group", "g", "--all-topics", "--to-datetime", "yesterday"},
            {"cluster"},
            {"configs"},
            {"configs", "describe"},
            {"configs", "describe", "--topic", "t", "--broker", "1"},
            {"configs", "alter", "--topic", "t"},
            {"configs", "alter", "--broker", "x", "--set", "a=1"},
            {"configs", "alter", "--broker-defaults", "--set", "a=1", "--delete", "a"},
            {"cluster", "health", "--watch", "--exit-when-healthy"},
            {"cluster", "health", "--timeout", "5s"},
        };
        for (String[] args : bad) {
            stderr.reset();
            assertThat(run(args)).as(String.join(" ", args)).isEqualTo(AdminCli.EXIT_USAGE);
            assertThat(err()).as(String.join(" ", args)).startsWith("sluice-admin: ");
        }
        assertThat(connections).isEmpty();

        stderr.reset();
        run("produce", "--topic", "t", "--acks", "2");
        assertThat(err()).contains("--acks").contains("'2'");
        stderr.reset();
        run("consume", "--topic", "t", "--format", "%q");
        assertThat(err()).contains("--format").contains("%q");
    }

    @Test
    void timeoutIsPassedToTheConnection() {
        assertThat(run(BOOTSTRAP, "--timeout-ms", "1500", "topics", "list")).isZero();
        assertThat(connections).containsExactly("127.0.0.1:9092 1500 -");
    }
}
