package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stock consumers in one group on a 6-partition RF-3 topic of three brokers, while a producer keeps writing: members
 * join, leave and crash, and after every rebalance each partition has exactly one owner, as the members and the
 * coordinator both say. Every delivered record is recorded as (member, generation, partition, offset); in the end every
 * produced record was delivered, every member started reading a partition at a committed offset, and no record went
 * to two members (or twice to one) within one generation.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class ConsumerGroupRebalanceIT {
    private static final Logger LOG = LoggerFactory.getLogger(ConsumerGroupRebalanceIT.class);
    private static final String TOPIC = "rebalance";
    private static final int PARTITIONS = 6;
    /** The broker's default {@code group.min.session.timeout.ms}. */
    private static final int SESSION_TIMEOUT_MS = 6_000;

    @TempDir
    Path dir;

    private InJvmCluster cluster;
    private final List<AutoCloseable> members = new ArrayList<>();

    @BeforeEach
    void startCluster() throws Exception {
        cluster = InJvmCluster.start(3, Map.of("offsets.topic.num.partitions", "5"));
        cluster.createTopicAndAwaitFullIsr(TOPIC, PARTITIONS, 3, Map.of("min.insync.replicas", "2"));
    }

    @AfterEach
    void stopCluster() throws Exception {
        Collections.reverse(members);
        for (AutoCloseable m : members) {
            m.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void eagerRebalancesOnJoinLeaveAndCrashKeepOneOwnerPerPartitionAndLoseNothing() throws Exception {
        String group = "eager";
        Map<String, String> config = consumerConfig(RangeAssignor.class.getName());
        GroupLedger ledger = new GroupLedger();
        Admin admin = cluster.admin();
        try (SteadyProducer producer = new SteadyProducer(cluster.bootstrapServers(), TOPIC, 10, 20)) {
            ConsumerMember a = member("a", group, config, ledger);
            ConsumerMember b = member("b", group, config, ledger);
            RemoteConsumerMember c =
                    RemoteConsumerMember.start(dir.resolve("c"), "c", cluster.bootstrapServers(), group, TOPIC, config);
            members.add(c);
            int generation = GroupChecks.awaitOneOwnerPerPartition(
                    admin, group, TOPIC, PARTITIONS, List.of(a::snapshot, b::snapshot, c::snapshot), 0);
            awaitDeliveries(ledger, generation, a, b);

            // a fourth member joins
            ConsumerMember d = member("d", group, config, ledger);
            generation = GroupChecks.awaitOneOwnerPerPartition(
                    admin,
                    group,
                    TOPIC,
                    PARTITIONS,
                    List.of(a::snapshot, b::snapshot, c::snapshot, d::snapshot),
                    generation);
            awaitDeliveries(ledger, generation, a, b, d);

            // one leaves (close sends LeaveGroup)
            a.leave();
            generation = GroupChecks.awaitOneOwnerPerPartition(
                    admin, group, TOPIC, PARTITIONS, List.of(b::snapshot, c::snapshot, d::snapshot), generation);
            awaitDeliveries(ledger, generation, b, d);

            // one crashes: only its session timeout tells the coordinator
            long crashedAt = System.nanoTime();
            c.crash();
            generation = GroupChecks.awaitOneOwnerPerPartition(
                    admin, group, TOPIC, PARTITIONS, List.of(b::snapshot, d::snapshot), generation);
            long detectedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - crashedAt);
            LOG.info("[group {}] the crashed member's partitions moved after {} ms", group, detectedMs);
            awaitDeliveries(ledger, generation, b, d);

            producer.stop();
            Map<Integer, Long> ends = GroupChecks.awaitEverythingCommitted(admin, group, TOPIC, PARTITIONS);
            b.leave();
            d.leave();
            c.reportTo(ledger);
            assertThat(List.of(a, b, d))
                    .allSatisfy(m -> assertThat(m.failure())
                            .as("poll loop of %s", m.name())
                            .isNull());
            assertThat(ends.values().stream().mapToLong(Long::longValue).sum())
                    .as("records in the topic")
                    .isEqualTo(producer.sent());
            assertThat(ledger.deliveries().stream().filter(x -> x.member().equals("c")))
                    .as("records the crashed member read")
                    .isNotEmpty();
            assertGroupInvariants(ledger, ends);
        }
    }

    @Test
    void cooperativeRebalancesOnJoinAndLeaveKeepOneOwnerPerPartitionAndLoseNothing() throws Exception {
        String group = "cooperative";
        Map<String, String> config = consumerConfig(CooperativeStickyAssignor.class.getName());
        GroupLedger ledger = new GroupLedger();
        Admin admin = cluster.admin();
        try (SteadyProducer producer = new SteadyProducer(cluster.bootstrapServers(), TOPIC, 10, 20)) {
            ConsumerMember a = member("a", group, config, ledger);
            ConsumerMember b = member("b", group, config, ledger);
            ConsumerMember c = member("c", group, config, ledger);
            List<Supplier<ConsumerMember.Snapshot>> abc = List.of(a::snapshot, b::snapshot, c::snapshot);
            int generation = GroupChecks.awaitOneOwnerPerPartition(admin, group, TOPIC, PARTITIONS, abc, 0);
            awaitDeliveries(ledger, generation, a, b, c);

            ConsumerMember d = member("d", group, config, ledger);
            generation = GroupChecks.awaitOneOwnerPerPartition(
                    admin,
                    group,
                    TOPIC,
                    PARTITIONS,
                    List.of(a::snapshot, b::snapshot, c::snapshot, d::snapshot),
                    generation);
            awaitDeliveries(ledger, generation, a, b, c, d);

            a.leave();
            generation = GroupChecks.awaitOneOwnerPerPartition(
                    admin, group, TOPIC, PARTITIONS, List.of(b::snapshot, c::snapshot, d::snapshot), generation);
            awaitDeliveries(ledger, generation, b, c, d);

            producer.stop();
            Map<Integer, Long> ends = GroupChecks.awaitEverythingCommitted(admin, group, TOPIC, PARTITIONS);
            for (ConsumerMember m : List.of(b, c, d)) {
                m.leave();
            }
            assertThat(List.of(a, b, c, d))
                    .allSatisfy(m -> assertThat(m.failure())
                            .as("poll loop of %s", m.name())
                            .isNull());
            assertThat(ends.values().stream().mapToLong(Long::longValue).sum())
                    .as("records in the topic")
                    .isEqualTo(producer.sent());
            assertGroupInvariants(ledger, ends);
        }
    }

    private static void assertGroupInvariants(GroupLedger ledger, Map<Integer, Long> ends) {
        LOG.info(
                "{} deliveries, {} acknowledged commits, end offsets {}",
                ledger.deliveries().size(),
                ledger.commits().size(),
                ends);
        ledger.assertEveryRecordDelivered(ends);
        ledger.assertNoRecordDeliveredTwiceInAGeneration();
        ledger.assertEveryOwnerResumedAtACommittedOffset();
        ledger.assertCommitsNeverMovedBackward();
    }

    private ConsumerMember member(String name, String group, Map<String, String> config, GroupLedger ledger) {
        ConsumerMember m = ConsumerMember.start(name, cluster.bootstrapServers(), group, TOPIC, config, ledger);
        members.add(m);
        return m;
    }

    private static Map<String, String> consumerConfig(String assignor) {
        return Map.of(
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                assignor,
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
                Integer.toString(SESSION_TIMEOUT_MS),
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
                "1000",
                // also the rebalance timeout: a rebalance waits at most this long for a member to rejoin
                ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG,
                "30000",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                "200");
    }

    /** Waits until each of {@code members} has read records in {@code generation}. */
    private static void awaitDeliveries(GroupLedger ledger, int generation, ConsumerMember... members) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (ConsumerMember m : members) {
                assertThat(ledger.deliveries().stream()
                                .anyMatch(d -> d.member().equals(m.name()) && d.generation() == generation))
                        .as("%s read records in generation %d", m.name(), generation)
                        .isTrue();
            }
        });
    }
}
