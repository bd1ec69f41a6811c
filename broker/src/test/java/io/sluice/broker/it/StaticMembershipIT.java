package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Static membership with stock consumers: a member with a {@code group.instance.id} that restarts within its session
 * timeout takes its old place (same partitions, same generation) without a rebalance of the group, and its old member
 * id is fenced; a static member that stays away longer than its session timeout is removed and its partitions move.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StaticMembershipIT {
    private static final String TOPIC = "static";
    private static final int PARTITIONS = 4;
    private static final String GROUP = "stayers";

    private InJvmCluster cluster;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void startCluster() throws Exception {
        cluster = InJvmCluster.start(1, Map.of("offsets.topic.num.partitions", "1"));
        cluster.createTopicAndAwaitFullIsr(TOPIC, PARTITIONS, 1, Map.of());
    }

    @AfterEach
    void stopCluster() throws Exception {
        Collections.reverse(closeables);
        for (AutoCloseable c : closeables) {
            c.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private ConsumerMember member(String name, String instanceId, GroupLedger ledger) {
        Map<String, String> config = new HashMap<>(Map.of(
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName(),
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "8000",
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500"));
        config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);
        ConsumerMember m = ConsumerMember.start(name, cluster.bootstrapServers(), GROUP, TOPIC, config, ledger);
        closeables.add(m);
        return m;
    }

    @Test
    void aRestartedStaticMemberTakesItsOldPlaceWithoutARebalance() throws Exception {
        Admin admin = cluster.admin();
        GroupLedger ledger = new GroupLedger();
        ConsumerMember a = member("a", "instance-a", ledger);
        ConsumerMember b = member("b", "instance-b", ledger);
        int generation = GroupChecks.awaitOneOwnerPerPartition(
                admin, GROUP, TOPIC, PARTITIONS, List.of(a::snapshot, b::snapshot), 0);
        Set<TopicPartition> ofA = a.snapshot().assignment();
        String oldMemberId = a.snapshot().memberId();

        // a static member's close sends no LeaveGroup: the coordinator keeps its place for the session timeout
        a.leave();
        ConsumerMember a2 = member("a2", "instance-a", ledger);
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> !a2.snapshot().assignment().isEmpty());

        assertThat(a2.snapshot().assignment()).as("the same partitions").isEqualTo(ofA);
        assertThat(a2.snapshot().generation()).as("no new generation").isEqualTo(generation);
        assertThat(b.snapshot().generation()).isEqualTo(generation);
        ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(GROUP))
                .all()
                .get(30, TimeUnit.SECONDS)
                .get(GROUP);
        Map<String, String> instances = group.members().stream()
                .collect(Collectors.toMap(m -> m.groupInstanceId().orElseThrow(), MemberDescription::consumerId));
        assertThat(instances).containsOnlyKeys("instance-a", "instance-b");
        assertThat(instances.get("instance-a")).as("a new member id").isNotEqualTo(oldMemberId);
        assertThat(group.state()).isEqualTo(ConsumerGroupState.STABLE);

        // gone longer than the session timeout: removed, and b takes every partition in a new generation
        a2.leave();
        int next = GroupChecks.awaitOneOwnerPerPartition(
                admin, GROUP, TOPIC, PARTITIONS, List.of(b::snapshot), generation);
        assertThat(next).isGreaterThan(generation);
        assertThat(b.snapshot().assignment()).hasSize(PARTITIONS);
    }
}
