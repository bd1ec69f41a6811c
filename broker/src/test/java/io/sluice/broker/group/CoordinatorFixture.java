package io.sluice.broker.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.ConsumerProtocolSubscription;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;

/** A coordinator over an in-memory store and a manual clock, leading every offsets partition. */
final class CoordinatorFixture {
    static final int PARTITIONS = 4;
    static final int SESSION_MS = 10_000;
    static final int REBALANCE_MS = 30_000;
    static final long RETENTION_MS = 7L * 24 * 3600 * 1000;

    final ManualGroupScheduler time = new ManualGroupScheduler();
    final FakeGroupStore store = new FakeGroupStore(PARTITIONS);
    final GroupCoordinator coordinator;

    CoordinatorFixture() {
        this(0, 10);
    }

    CoordinatorFixture(int initialDelayMs, int maxSize) {
        this(new GroupConfig(6_000, 300_000, initialDelayMs, maxSize, RETENTION_MS, 600_000, 5_000));
    }

    CoordinatorFixture(GroupConfig config) {
        coordinator = new GroupCoordinator(1, config, store, time.clock, time);
        coordinator.startup();
        for (int p = 0; p < PARTITIONS; p++) {
            coordinator.onElection(p, 1);
        }
        time.runLoads();
    }

    static int partitionOf(String groupId) {
        return OffsetsTopic.partitionFor(groupId, PARTITIONS);
    }

    static Map<String, byte[]> protocols(String... names) {
        Map<String, byte[]> protocols = new LinkedHashMap<>();
        for (String name : names) {
            protocols.put(name, name.getBytes(StandardCharsets.UTF_8));
        }
        return protocols;
    }

    /** Consumer-protocol metadata subscribing to {@code topics}. */
    static byte[] subscription(String... topics) {
        return MessageUtil.toVersionPrefixedBytes(
                (short) 1, new ConsumerProtocolSubscription().setTopics(List.of(topics)));
    }

    static JoinRequest request(String groupId, String memberId, String instanceId, Map<String, byte[]> protocols) {
        return new JoinRequest(
                groupId,
                memberId,
                Optional.ofNullable(instanceId),
                "consumer",
                protocols,
                SESSION_MS,
                REBALANCE_MS,
                "client",
                "/127.0.0.1",
                true,
                true);
    }

    CompletableFuture<JoinResult> join(String groupId, String memberId) {
        return coordinator.joinGroup(request(groupId, memberId, null, protocols("range")));
    }

    /** A new dynamic member's first JoinGroup (v4+): returns the member id handed out with MEMBER_ID_REQUIRED. */
    String memberIdFor(String groupId) {
        JoinResult first = join(groupId, "").orTimeout(2, TimeUnit.SECONDS).join();
        assertThat(first.error()).isEqualTo(Errors.MEMBER_ID_REQUIRED);
        return first.memberId();
    }

    CompletableFuture<SyncResult> sync(
            String groupId, String memberId, int generation, Map<String, byte[]> assignments) {
        return coordinator.syncGroup(
                groupId,
                memberId,
                Optional.empty(),
                generation,
                Optional.of("consumer"),
                Optional.of("range"),
                assignments);
    }

    Errors heartbeat(String groupId, String memberId, int generation) {
        return coordinator.heartbeat(groupId, memberId, Optional.empty(), generation);
    }

    GroupState state(String groupId) {
        return coordinator.describeGroup(groupId).state();
    }

    /** Forms a stable group of one member; returns its member id (generation 1). */
    String stableSingleMember(String groupId) {
        String memberId = memberIdFor(groupId);
        JoinResult joined =
                join(groupId, memberId).orTimeout(2, TimeUnit.SECONDS).join();
        assertThat(joined.error()).isEqualTo(Errors.NONE);
        SyncResult synced = sync(groupId, memberId, joined.generationId(), Map.of(memberId, new byte[] {1}))
                .orTimeout(2, TimeUnit.SECONDS)
                .join();
        assertThat(synced.error()).isEqualTo(Errors.NONE);
        return memberId;
    }
}
