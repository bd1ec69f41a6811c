package io.sluice.broker.tools;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.broker.tools.ClusterAdmin.PartitionView;
import io.sluice.broker.tools.ClusterAdmin.ReassignmentView;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code decommission}, {@code rebalance} and {@code reassignments} against an in-memory cluster. */
@Timeout(30)
class ReassignCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FakeClusterAdmin cluster = new FakeClusterAdmin().withBrokers(4);
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    private int run(String... args) {
        return AdminCli.run(
                args,
                InputStream.nullInputStream(),
                new PrintStream(stdout, true, StandardCharsets.UTF_8),
                new PrintStream(stderr, true, StandardCharsets.UTF_8),
                (bootstrap, clientProperties, timeoutMs, zookeeper) -> cluster,
                Map.of());
    }

    private String out() {
        return stdout.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return stderr.toString(StandardCharsets.UTF_8);
    }

    /** {@code partitions} partitions of RF 3 round-robin over brokers 1-4. */
    private void topic(String name, int partitions) {
        PartitionView[] views = new PartitionView[partitions];
        for (int p = 0; p < partitions; p++) {
            List<Integer> rs = List.of(1 + p % 4, 1 + (p + 1) % 4, 1 + (p + 2) % 4);
            views[p] = new PartitionView(p, rs.get(0), rs, rs, List.of());
        }
        cluster.withTopic(name, views);
    }

    private List<Integer> replicasOn(int broker) {
        List<Integer> out = new ArrayList<>();
        cluster.topics
                .values()
                .forEach(t -> t.partitions().stream()
                        .filter(p -> p.replicas().contains(broker))
                        .forEach(p -> out.add(p.partition())));
        return out;
    }

    private List<String> submitted() {
        return cluster.calls.stream()
                .filter(c -> c.startsWith("alterReassignments"))
                .toList();
    }

    @Test
    void decommissionDryRunShowsThePlanAndSubmitsNothing() {
        topic("orders", 8);

        int code = run("decommission", "--broker", "4", "--dry-run");

        assertThat(code).as(err()).isZero();
        assertThat(out())
                .contains("Plan (decommission): 6 of 8 partitions change, 6 replicas move.")
                .containsPattern("4\\s+r4\\s+6 -> 0\\s+2 -> 0")
                .contains("orders-1: 2,3,4 -> 2,3,1")
                .doesNotContain("orders-0:")
                .contains("Dry run: nothing was submitted.");
        assertThat(submitted()).isEmpty();
        assertThat(replicasOn(4)).isNotEmpty();
    }

    @Test
    void decommissionWithAThrottleMovesEverythingOffFollowsProgressAndCleansUp() {
        topic("orders", 8);
        cluster.reassignmentPolls = 3;

        int code = run("decommission", "--broker", "4", "--throttle", "1000000", "--progress-interval-ms", "1");

        assertThat(code).as(err()).isZero();
        assertThat(replicasOn(4)).isEmpty();
        assertThat(out())
                .contains("Throttled replication to 1000000 B/s on brokers 1,2,3,4.")
                .contains("Submitted 6 partition moves (6 replicas to copy, throttled to 1000000 B/s")
                .contains("Moving: 6 of 6 partitions remaining.")
                .contains("Moving: 0 of 6 partitions remaining.")
                .contains("Removed the replication throttles.")
                .endsWith("Decommissioned broker 4: no replica left on it." + System.lineSeparator());
        assertThat(cluster.calls)
                .anySatisfy(c -> assertThat(c)
                        .startsWith("alterBrokerConfigs 4 {")
                        .contains("leader.replication.throttled.rate=1000000")
                        .contains("follower.replication.throttled.rate=1000000"))
                .contains("alterBrokerConfigs 4 {} [leader.replication.throttled.rate,"
                        + " follower.replication.throttled.rate]")
                .contains("alterTopicConfigs orders {} [leader.replication.throttled.replicas,"
                        + " follower.replication.throttled.replicas]");
        String topicThrottle = cluster.calls.stream()
                .filter(c -> c.startsWith("alterTopicConfigs orders {") && !c.startsWith("alterTopicConfigs orders {}"))
                .findFirst()
                .orElseThrow();
        // leader side: every existing replica of a moving partition; follower side: the new replicas only
        assertThat(topicThrottle)
                .contains("leader.replication.throttled.replicas=1:2,1:3,1:4,2:3,2:4,2:1,")
                .contains("follower.replication.throttled.replicas=1:1,2:2,3:3,5:1,6:2,7:3");
        // throttles come off before the election, which covers exactly the moved partitions
        int cleared = cluster.calls.indexOf("alterBrokerConfigs 4 {} [leader.replication.throttled.rate,"
                + " follower.replication.throttled.rate]");
        int elected = indexOf("electPreferredLeaders");
        assertThat(cleared).isLessThan(elected);
        assertThat(cluster.calls.get(elected)).contains("orders-1").doesNotContain("orders-0,");
    }

    private int indexOf(String prefix) {
        for (int i = 0; i < cluster.calls.size(); i++) {
            if (cluster.calls.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void rebalanceAsJsonReportsThePlanAndTheResult() throws Exception {
        // everything on brokers 1-3; 4 is new
        PartitionView[] views = new PartitionView[12];
        for (int p = 0; p < 12; p++) {
            List<Integer> rs = List.of(1 + p % 3, 1 + (p + 1) % 3, 1 + (p + 2) % 3);
            views[p] = new PartitionView(p, rs.get(0), rs, rs, List.of());
        }
        cluster.withTopic("orders", views);

        int code = run("rebalance", "--json", "--progress-interval-ms", "1");

        assertThat(code).as(err()).isZero();
        JsonNode doc = JSON.readTree(out());
        assertThat(doc.get("command").asText()).isEqualTo("rebalance");
        assertThat(doc.get("result").asText()).isEqualTo("completed");
        assertThat(doc.get("replicasMoved").asInt()).isEqualTo(9);
        assertThat(doc.get("replicasBalanced").asBoolean()).isTrue();
        assertThat(doc.get("leadersBalanced").asBoolean()).isTrue();
        for (JsonNode b : doc.get("brokers")) {
            assertThat(b.get("replicasAfter").asInt()).isEqualTo(9);
            assertThat(b.get("leadersAfter").asInt()).isEqualTo(3);
        }
        assertThat(replicasOn(4)).hasSize(9);
        // progress goes to stderr so that stdout stays one document
        assertThat(err()).contains("Moving: 0 of");
    }

    @Test
    void aBalancedClusterHasNothingToMove() {
        topic("orders", 8);

        assertThat(run("rebalance")).as(err()).isZero();

        assertThat(out()).contains("0 of 8 partitions change").endsWith("Nothing to move." + System.lineSeparator());
        assertThat(submitted()).isEmpty();
    }

    @Test
    void anUnknownBrokerOrTooFewBrokersForTheReplicationFactorFailNamingWhy() {
        topic("orders", 4);

        assertThat(run("decommission", "--broker", "9")).isEqualTo(AdminCli.EXIT_FAILED);
        assertThat(err()).contains("Unknown broker 9: not live (live: 1,2,3,4) and holding no replica");

        stderr.reset();
        assertThat(run("decommission", "--broker", "3,4")).isEqualTo(AdminCli.EXIT_FAILED);
        assertThat(err())
                .contains("Cannot decommission: Partition orders-0 has replication factor 3 but only 2 brokers [1, 2]")
                .contains("nothing was submitted");
        assertThat(submitted()).isEmpty();
    }

    @Test
    void replicasOnABrokerThatIsDownAreMovedOnlyWhenItIsDecommissioned() {
        topic("orders", 8);
        cluster.brokers.removeIf(b -> b.id() == 4);

        assertThat(run("rebalance")).isEqualTo(AdminCli.EXIT_FAILED);
        assertThat(err())
                .contains("Broker 4 holds replicas but is not live")
                .contains("'sluice-admin decommission --broker 4'");
        assertThat(submitted()).isEmpty();

        assertThat(run("decommission", "--broker", "4", "--progress-interval-ms", "1"))
                .as(err())
                .isZero();
        assertThat(replicasOn(4)).isEmpty();
    }

    @Test
    void aMoveInProgressBlocksANewPlan() {
        topic("orders", 4);
        cluster.reassigning.put(
                new TopicPartition("orders", 1), new ReassignmentView(List.of(1, 2, 3, 4), List.of(1), List.of(4)));

        assertThat(run("rebalance")).isEqualTo(AdminCli.EXIT_FAILED);

        assertThat(err())
                .contains("1 partition is being reassigned already (orders-1)")
                .contains("sluice-admin reassignments --cancel");
        assertThat(submitted()).isEmpty();
    }

    @Test
    void reassignmentsListsAndCancelsMovesInProgress() throws Exception {
        topic("orders", 4);
        TopicPartition tp = new TopicPartition("orders", 1);
        cluster.reassigning.put(tp, new ReassignmentView(List.of(1, 2, 3, 4), List.of(1), List.of(4)));

        assertThat(run("reassignments")).isZero();
        assertThat(out()).containsPattern("orders-1\\s+1,2,3,4\\s+1\\s+4");

        stdout.reset();
        assertThat(run("reassignments", "--cancel", "--json")).isZero();
        JsonNode doc = JSON.readTree(out());
        assertThat(doc.get("reassignments").get(0).get("cancelled").asBoolean()).isTrue();
        assertThat(cluster.calls).contains("alterReassignments {" + tp + "=Optional.empty}");
        assertThat(cluster.reassigning).isEmpty();

        stdout.reset();
        assertThat(run("reassignments")).isZero();
        assertThat(out()).isEqualTo("No partition reassignment in progress." + System.lineSeparator());
    }

    @Test
    void usageErrorsNeedNoCluster() {
        assertThat(run("decommission")).isEqualTo(AdminCli.EXIT_USAGE);
        assertThat(run("decommission", "--broker", "4", "--throttle", "0")).isEqualTo(AdminCli.EXIT_USAGE);
        assertThat(run("rebalance", "--throttle", "100", "--no-wait")).isEqualTo(AdminCli.EXIT_USAGE);
        assertThat(err()).contains("--throttle needs --wait");
        assertThat(cluster.calls).isEmpty();
    }

    @Test
    void progressCountsTheBytesLeftWhenTheClusterReportsReplicaSizes() {
        topic("orders", 8);
        cluster.reassignmentPolls = 2;
        Map<TopicPartition, Map<Integer, Long>> sizes = new java.util.HashMap<>();
        for (int p = 0; p < 8; p++) {
            // every existing replica holds 1000 bytes, a new one 400 so far
            Map<Integer, Long> perBroker = new java.util.HashMap<>();
            for (int b = 1; b <= 4; b++) {
                perBroker.put(b, 1000L);
            }
            sizes.put(new TopicPartition("orders", p), perBroker);
        }
        sizes.get(new TopicPartition("orders", 1)).put(1, 400L);
        cluster.replicaSizes = Optional.of(sizes);

        assertThat(run("decommission", "--broker", "4", "--progress-interval-ms", "1"))
                .as(err())
                .isZero();

        // orders-1 gains broker 1 (600 bytes to go); the other new replicas already report 1000 bytes
        assertThat(out()).contains("Moving: 6 of 6 partitions remaining, 600 bytes left to copy.");
    }

    @Test
    void aFailedElectionAfterTheMovesExitsOne() {
        topic("orders", 8);
        cluster.electionResults = Map.of(new TopicPartition("orders", 1), Optional.of("NotLeaderOrFollower"));

        assertThat(run("decommission", "--broker", "4", "--progress-interval-ms", "1"))
                .isEqualTo(AdminCli.EXIT_FAILED);

        assertThat(out()).contains("Preferred leader election of orders-1 failed: NotLeaderOrFollower");
        assertThat(replicasOn(4)).isEmpty();
    }
}
