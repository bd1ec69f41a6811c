package io.sluice.broker.group;

import static io.sluice.broker.group.CoordinatorFixture.REBALANCE_MS;
import static io.sluice.broker.group.CoordinatorFixture.SESSION_MS;
import static io.sluice.broker.group.CoordinatorFixture.protocols;
import static io.sluice.broker.group.CoordinatorFixture.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.group.GroupResults.LeaveResult;
import io.sluice.broker.group.GroupResults.LeavingMember;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class RebalanceTest {
    private static final String GROUP = "g1";

    private final CoordinatorFixture f = new CoordinatorFixture();

    @Test
    void singleMemberJoinsSyncsAndIsStable() {
        String memberId = f.memberIdFor(GROUP);
        assertThat(memberId).startsWith("client-");
        assertThat(f.state(GROUP)).isEqualTo(GroupState.EMPTY);

        JoinResult joined =
                f.join(GROUP, memberId).orTimeout(2, TimeUnit.SECONDS).join();
        assertThat(joined.error()).isEqualTo(Errors.NONE);
        assertThat(joined.generationId()).isEqualTo(1);
        assertThat(joined.leaderId()).isEqualTo(memberId);
        assertThat(joined.protocolName()).contains("range");
        assertThat(joined.members()).extracting(JoinResult.Member::memberId).containsExactly(memberId);
        assertThat(f.state(GROUP)).isEqualTo(GroupState.COMPLETING_REBALANCE);

        SyncResult synced = f.sync(GROUP, memberId, 1, Map.of(memberId, new byte[] {7}))
                .orTimeout(2, TimeUnit.SECONDS)
                .join();
        assertThat(synced.error()).isEqualTo(Errors.NONE);
        assertThat(synced.assignment()).containsExactly(7);
        assertThat(f.state(GROUP)).isEqualTo(GroupState.STABLE);
        StoredGroup stored = f.store.storedGroup(GROUP);
        assertThat(stored.generationId()).isEqualTo(1);
        assertThat(stored.members())
                .singleElement()
                .satisfies(m -> assertThat(m.assignment()).containsExactly(7));
        assertThat(f.heartbeat(GROUP, memberId, 1)).isEqualTo(Errors.NONE);
        assertThat(f.heartbeat(GROUP, memberId, 0)).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(f.heartbeat(GROUP, "nobody", 1)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void threeMembersFollowersWaitForTheLeadersAssignment() {
        String a = f.stableSingleMember(GROUP);
        String b = f.memberIdFor(GROUP);
        CompletableFuture<JoinResult> joinB = f.join(GROUP, b);
        assertThat(f.state(GROUP)).isEqualTo(GroupState.PREPARING_REBALANCE);
        assertThat(f.heartbeat(GROUP, a, 1)).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        String c = f.memberIdFor(GROUP);
        CompletableFuture<JoinResult> joinC = f.join(GROUP, c);
        CompletableFuture<JoinResult> joinA = f.join(GROUP, a);
        assertThat(joinA).isCompleted();
        assertThat(joinB.orTimeout(2, TimeUnit.SECONDS).join().generationId()).isEqualTo(2);
        assertThat(joinA.orTimeout(2, TimeUnit.SECONDS).join().members()).hasSize(3);
        assertThat(joinB.orTimeout(2, TimeUnit.SECONDS).join().members()).isEmpty();
        assertThat(joinC.orTimeout(2, TimeUnit.SECONDS).join().leaderId()).isEqualTo(a);

        f.store.holdWrites(true);
        CompletableFuture<SyncResult> syncB = f.sync(GROUP, b, 2, Map.of());
        CompletableFuture<SyncResult> syncA =
                f.sync(GROUP, a, 2, Map.of(a, new byte[] {1}, b, new byte[] {2}, c, new byte[] {3}));
        assertThat(syncA).isNotDone();
        assertThat(syncB).isNotDone();
        f.store.release();
        assertThat(syncA.orTimeout(2, TimeUnit.SECONDS).join().assignment()).containsExactly(1);
        assertThat(syncB.orTimeout(2, TimeUnit.SECONDS).join().assignment()).containsExactly(2);
        assertThat(f.sync(GROUP, c, 2, Map.of())
                        .orTimeout(2, TimeUnit.SECONDS)
                        .join()
                        .assignment())
                .containsExactly(3);
        assertThat(f.state(GROUP)).isEqualTo(GroupState.STABLE);
    }

    @Test
    void assignmentStoreFailureFailsTheSyncAndRebalances() {
        String a = f.memberIdFor(GROUP);
        f.join(GROUP, a).orTimeout(2, TimeUnit.SECONDS).join();
        f.store.failWith(Errors.NOT_LEADER_OR_FOLLOWER);
        assertThat(f.sync(GROUP, a, 1, Map.of(a, new byte[] {1}))
                        .orTimeout(2, TimeUnit.SECONDS)
                        .join()
                        .error())
                .isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(f.state(GROUP)).isEqualTo(GroupState.PREPARING_REBALANCE);
    }

    @Test
    void rejoinDuringRebalanceAndMembersThatDoNotRejoinAreRemovedAtTheRebalanceTimeout() {
        String a = f.stableSingleMember(GROUP);
        String b = f.memberIdFor(GROUP);
        f.join(GROUP, b);
        CompletableFuture<JoinResult> first = f.join(GROUP, a);
        JoinResult gen2 = first.orTimeout(2, TimeUnit.SECONDS).join();
        assertThat(gen2.generationId()).isEqualTo(2);
        f.sync(GROUP, a, 2, Map.of()).orTimeout(2, TimeUnit.SECONDS).join();
        f.sync(GROUP, b, 2, Map.of()).orTimeout(2, TimeUnit.SECONDS).join();

        CompletableFuture<JoinResult> rejoinA = f.join(GROUP, a);
        assertThat(f.state(GROUP)).isEqualTo(GroupState.PREPARING_REBALANCE);
        CompletableFuture<JoinResult> rejoinAgain =
                f.coordinator.joinGroup(request(GROUP, a, null, protocols("range", "sticky")));
        assertThat(rejoinA.orTimeout(2, TimeUnit.SECONDS).join().error()).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        assertThat(rejoinAgain).isNotDone();

        for (int elapsed = 0; elapsed < REBALANCE_MS - 1_000; elapsed += 1_000) {
            f.time.advance(1_000);
            assertThat(f.heartbeat(GROUP, b, 2)).as("b stays alive").isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        }
        f.time.advance(999);
        assertThat(rejoinAgain).isNotDone();
        f.time.advance(1);
        JoinResult gen3 = rejoinAgain.orTimeout(2, TimeUnit.SECONDS).join();
        assertThat(gen3.generationId()).isEqualTo(3);
        assertThat(gen3.members()).extracting(JoinResult.Member::memberId).containsExactly(a);
        assertThat(f.heartbeat(GROUP, b, 3)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void sessionExpiryRemovesTheMemberAndRebalances() {
        String a = f.stableSingleMember(GROUP);
        String b = f.memberIdFor(GROUP);
        f.join(GROUP, b);
        f.join(GROUP, a).orTimeout(2, TimeUnit.SECONDS).join();
        f.sync(GROUP, a, 2, Map.of()).orTimeout(2, TimeUnit.SECONDS).join();
        f.sync(GROUP, b, 2, Map.of()).orTimeout(2, TimeUnit.SECONDS).join();
        f.time.advance(SESSION_MS - 1);
        assertThat(f.heartbeat(GROUP, a, 2)).isEqualTo(Errors.NONE);
        assertThat(f.heartbeat(GROUP, b, 2)).isEqualTo(Errors.NONE);
        f.time.advance(SESSION_MS - 1);
        assertThat(f.heartbeat(GROUP, a, 2)).isEqualTo(Errors.NONE);
        f.time.advance(1);
        assertThat(f.heartbeat(GROUP, b, 2)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(f.heartbeat(GROUP, a, 2)).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        assertThat(f.join(GROUP, a).orTimeout(2, TimeUnit.SECONDS).join().generationId())
                .isEqualTo(3);
    }

    @Test
    void lastMemberExpiringLeavesAnEmptyGroupAtTheNextGeneration() {
        String a = f.stableSingleMember(GROUP);
        f.time.advance(SESSION_MS);
        assertThat(f.state(GROUP)).isEqualTo(GroupState.EMPTY);
        assertThat(f.heartbeat(GROUP, a, 1)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(f.store.storedGroup(GROUP).generationId()).isEqualTo(2);
        assertThat(f.store.storedGroup(GROUP).members()).isEmpty();
    }

    @Test
    void membersThatDoNotSyncInTimeAreRemoved() {
        String a = f.stableSingleMember(GROUP);
        String b = f.memberIdFor(GROUP);
        CompletableFuture<JoinResult> joinB = f.join(GROUP, b);
        f.join(GROUP, a).orTimeout(2, TimeUnit.SECONDS).join();
        assertThat(joinB.orTimeout(2, TimeUnit.SECONDS).join().generationId()).isEqualTo(2);
        f.sync(GROUP, a, 2, Map.of()).orTimeout(2, TimeUnit.SECONDS).join();
        for (int elapsed = 0; elapsed < REBALANCE_MS - 1_000; elapsed += 1_000) {
            f.time.advance(1_000);
            assertThat(f.heartbeat(GROUP, a, 2)).isEqualTo(Errors.NONE);
            assertThat(f.heartbeat(GROUP, b, 2))
                    .as("b heartbeats but never syncs")
                    .isEqualTo(Errors.NONE);
        }
        f.time.advance(999);
        assertThat(f.coordinator.describeGroup(GROUP).members()).hasSize(2);
        f.time.advance(1);
        assertThat(f.coordinator.describeGroup(GROUP).members())
                .extracting(m -> m.memberId())
                .containsExactly(a);
        assertThat(f.state(GROUP)).isEqualTo(GroupState.PREPARING_REBALANCE);
        assertThat(f.heartbeat(GROUP, b, 2)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void initialDelayWaitsForMoreMembersAndExtendsUpToTheRebalanceTimeout() {
        CoordinatorFixture delayed = new CoordinatorFixture(3_000, 10);
        String a = delayed.memberIdFor(GROUP);
        CompletableFuture<JoinResult> joinA = delayed.join(GROUP, a);
        delayed.time.advance(2_000);
        String b = delayed.memberIdFor(GROUP);
        CompletableFuture<JoinResult> joinB = delayed.join(GROUP, b);
        delayed.time.advance(1_000);
        assertThat(joinA).as("extended because a member joined").isNotDone();
        delayed.time.advance(2_999);
        assertThat(joinA).isNotDone();
        delayed.time.advance(1);
        assertThat(joinA.orTimeout(2, TimeUnit.SECONDS).join().generationId()).isEqualTo(1);
        assertThat(joinA.orTimeout(2, TimeUnit.SECONDS).join().members()).hasSize(2);
        assertThat(joinB.orTimeout(2, TimeUnit.SECONDS).join().error()).isEqualTo(Errors.NONE);
    }

    @Test
    void joinValidation() {
        assertThat(f.coordinator
                        .joinGroup(request("", "", null, protocols("range")))
                        .orTimeout(2, TimeUnit.SECONDS)
                        .join()
                        .error())
                .isEqualTo(Errors.INVALID_GROUP_ID);
        JoinRequest shortSession = new JoinRequest(
                GROUP, "", Optional.empty(), "consumer", protocols("range"), 10, REBALANCE_MS, "c", "h", true, false);
        assertThat(f.coordinator
                        .joinGroup(shortSession)
                        .orTimeout(2, TimeUnit.SECONDS)
                        .join()
                        .error())
                .isEqualTo(Errors.INVALID_SESSION_TIMEOUT);
        assertThat(f.coordinator.listGroups(Set.of(), Set.of()).groups())
                .as("no group created")
                .isEmpty();
        assertThat(f.coordinator
                        .joinGroup(request("other", "", "static-1", protocols("range")))
                        .orTimeout(2, TimeUnit.SECONDS)
                        .join()
                        .memberId())
                .startsWith("static-1-");
        assertThat(f.coordinator
                        .joinGroup(request(GROUP, "", null, protocols()))
                        .orTimeout(2, TimeUnit.SECONDS)
                        .join()
                        .error())
                .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(f.join(GROUP, "unknown-member")
                        .orTimeout(2, TimeUnit.SECONDS)
                        .join()
                        .error())
                .isEqualTo(Errors.UNKNOWN_MEMBER_ID);

        f.stableSingleMember(GROUP);
        assertThat(f.coordinator
                        .joinGroup(request(GROUP, "", null, protocols("roundrobin")))
                        .orTimeout(2, TimeUnit.SECONDS)
                        .join()
                        .error())
                .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        JoinRequest otherType = new JoinRequest(
                GROUP,
                "",
                Optional.empty(),
                "connect",
                protocols("range"),
                CoordinatorFixture.SESSION_MS,
                REBALANCE_MS,
                "c",
                "h",
                true,
                false);
        assertThat(f.coordinator
                        .joinGroup(otherType)
                        .orTimeout(2, TimeUnit.SECONDS)
                        .join()
                        .error())
                .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
    }

    @Test
    void protocolIsChosenByVoteAmongCommonProtocols() {
        JoinRequest a = new JoinRequest(
                GROUP,
                "",
                Optional.empty(),
                "consumer",
                protocols("roundrobin", "range", "sticky"),
                SESSION_MS,
                REBALANCE_MS,
                "a",
                "h",
                false,
                false);
        JoinRequest b = new JoinRequest(
                GROUP,
                "",
                Optional.empty(),
                "consumer",
                protocols("range", "roundrobin"),
                SESSION_MS,
                REBALANCE_MS,
                "b",
                "h",
                false,
                false);
        JoinRequest c = new JoinRequest(
                GROUP,
                "",
                Optional.empty(),
                "consumer",
                protocols("range", "cooperative"),
                SESSION_MS,
                REBALANCE_MS,
                "c",
                "h",
                false,
                false);
        CompletableFuture<JoinResult> ja = f.coordinator.joinGroup(a);
        assertThat(ja.orTimeout(2, TimeUnit.SECONDS).join().protocolName()).contains("roundrobin");
        String memberA = ja.orTimeout(2, TimeUnit.SECONDS).join().memberId();
        f.sync(GROUP, memberA, 1, Map.of());
        CompletableFuture<JoinResult> jb = f.coordinator.joinGroup(b);
        CompletableFuture<JoinResult> jc = f.coordinator.joinGroup(c);
        f.coordinator.joinGroup(new JoinRequest(
                GROUP,
                memberA,
                Optional.empty(),
                "consumer",
                protocols("roundrobin", "range", "sticky"),
                SESSION_MS,
                REBALANCE_MS,
                "a",
                "h",
                false,
                false));
        assertThat(jb.orTimeout(2, TimeUnit.SECONDS).join().protocolName()).contains("range");
        assertThat(jc.orTimeout(2, TimeUnit.SECONDS).join().protocolName()).contains("range");
    }

    @Test
    void groupMaxSizeRejectsExtraMembers() {
        CoordinatorFixture small = new CoordinatorFixture(0, 2);
        String a = small.memberIdFor(GROUP);
        CompletableFuture<JoinResult> joinA = small.join(GROUP, a);
        joinA.orTimeout(2, TimeUnit.SECONDS).join();
        String b = small.memberIdFor(GROUP);
        CompletableFuture<JoinResult> joinB = small.join(GROUP, b);
        small.join(GROUP, a);
        assertThat(joinB.orTimeout(2, TimeUnit.SECONDS).join().generationId()).isEqualTo(2);
        assertThat(small.join(GROUP, "").orTimeout(2, TimeUnit.SECONDS).join().error())
                .isEqualTo(Errors.GROUP_MAX_SIZE_REACHED);
        assertThat(small.coordinator.describeGroup(GROUP).members()).hasSize(2);
    }

    @Test
    void staticMemberRejoinReplacesTheMemberIdWithoutRebalanceAndFencesTheOldId() {
        JoinResult first = f.coordinator
                .joinGroup(request(GROUP, "", "instance-1", protocols("range")))
                .orTimeout(2, TimeUnit.SECONDS)
                .join();
        assertThat(first.error()).isEqualTo(Errors.NONE);
        String oldId = first.memberId();
        f.sync(GROUP, oldId, 1, Map.of(oldId, new byte[] {9}))
                .orTimeout(2, TimeUnit.SECONDS)
                .join();

        JoinResult rejoin = f.coordinator
                .joinGroup(request(GROUP, "", "instance-1", protocols("range")))
                .orTimeout(2, TimeUnit.SECONDS)
                .join();
        assertThat(rejoin.error()).isEqualTo(Errors.NONE);
        assertThat(rejoin.memberId()).isNotEqualTo(oldId);
        assertThat(rejoin.generationId()).isEqualTo(1);
        assertThat(rejoin.skipAssignment()).isTrue();
        assertThat(f.state(GROUP)).isEqualTo(GroupState.STABLE);
        assertThat(f.store.storedGroup(GROUP).members())
                .singleElement()
                .satisfies(m -> assertThat(m.memberId()).isEqualTo(rejoin.memberId()));

        assertThat(f.coordinator.heartbeat(GROUP, oldId, Optional.of("instance-1"), 1))
                .isEqualTo(Errors.FENCED_INSTANCE_ID);
        assertThat(f.coordinator.heartbeat(GROUP, rejoin.memberId(), Optional.of("instance-1"), 1))
                .isEqualTo(Errors.NONE);
        SyncResult sync = f.coordinator
                .syncGroup(
                        GROUP,
                        rejoin.memberId(),
                        Optional.of("instance-1"),
                        1,
                        Optional.empty(),
                        Optional.empty(),
                        Map.of())
                .orTimeout(2, TimeUnit.SECONDS)
                .join();
        assertThat(sync.assignment()).containsExactly(9);
    }

    @Test
    void staticMemberRejoinWithOtherProtocolsRebalances() {
        JoinResult first = f.coordinator
                .joinGroup(request(GROUP, "", "instance-1", protocols("range")))
                .orTimeout(2, TimeUnit.SECONDS)
                .join();
        f.sync(GROUP, first.memberId(), 1, Map.of())
                .orTimeout(2, TimeUnit.SECONDS)
                .join();
        CompletableFuture<JoinResult> rejoin =
                f.coordinator.joinGroup(request(GROUP, "", "instance-1", protocols("sticky", "range")));
        assertThat(rejoin.orTimeout(2, TimeUnit.SECONDS).join().generationId()).isEqualTo(2);
        assertThat(rejoin.orTimeout(2, TimeUnit.SECONDS).join().protocolName()).contains("sticky");
    }

    @Test
    void leaveInBatchWithPerMemberErrorsAndStaticMembersByInstanceId() {
        JoinResult s = f.coordinator
                .joinGroup(request(GROUP, "", "instance-1", protocols("range")))
                .orTimeout(2, TimeUnit.SECONDS)
                .join();
        f.sync(GROUP, s.memberId(), 1, Map.of()).orTimeout(2, TimeUnit.SECONDS).join();
        String dynamic = f.memberIdFor(GROUP);
        f.join(GROUP, dynamic);
        f.coordinator
                .joinGroup(request(GROUP, s.memberId(), "instance-1", protocols("range")))
                .orTimeout(2, TimeUnit.SECONDS)
                .join();

        LeaveResult result = f.coordinator.leaveGroup(
                GROUP,
                List.of(
                        new LeavingMember("", Optional.of("instance-1")),
                        new LeavingMember(dynamic, Optional.empty()),
                        new LeavingMember("ghost", Optional.empty()),
                        new LeavingMember("", Optional.of("instance-9"))));
        assertThat(result.error()).isEqualTo(Errors.NONE);
        assertThat(result.members())
                .extracting(GroupResults.MemberLeave::error)
                .containsExactly(Errors.NONE, Errors.NONE, Errors.UNKNOWN_MEMBER_ID, Errors.UNKNOWN_MEMBER_ID);
        assertThat(f.state(GROUP)).isEqualTo(GroupState.EMPTY);
        assertThat(f.coordinator
                        .leaveGroup("nope", List.of(new LeavingMember("x", Optional.empty())))
                        .members())
                .extracting(GroupResults.MemberLeave::error)
                .containsExactly(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void syncChecks() {
        String a = f.memberIdFor(GROUP);
        f.join(GROUP, a).orTimeout(2, TimeUnit.SECONDS).join();
        assertThat(f.sync(GROUP, a, 5, Map.of())
                        .orTimeout(2, TimeUnit.SECONDS)
                        .join()
                        .error())
                .isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(f.sync(GROUP, "ghost", 1, Map.of())
                        .orTimeout(2, TimeUnit.SECONDS)
                        .join()
                        .error())
                .isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(f.coordinator
                        .syncGroup(GROUP, a, Optional.empty(), 1, Optional.of("connect"), Optional.empty(), Map.of())
                        .orTimeout(2, TimeUnit.SECONDS)
                        .join()
                        .error())
                .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(f.coordinator
                        .syncGroup(GROUP, a, Optional.empty(), 1, Optional.empty(), Optional.of("sticky"), Map.of())
                        .orTimeout(2, TimeUnit.SECONDS)
                        .join()
                        .error())
                .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        String b = f.memberIdFor(GROUP);
        f.join(GROUP, b);
        assertThat(f.sync(GROUP, a, 1, Map.of())
                        .orTimeout(2, TimeUnit.SECONDS)
                        .join()
                        .error())
                .isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    }

    @Test
    void pendingMemberThatNeverRejoinsExpires() {
        String a = f.stableSingleMember(GROUP);
        String pending = f.memberIdFor(GROUP);
        CompletableFuture<JoinResult> rejoin = f.join(GROUP, a);
        f.time.advance(SESSION_MS - 1);
        assertThat(rejoin).as("waits for the pending member").isNotDone();
        f.time.advance(1);
        assertThat(rejoin.orTimeout(2, TimeUnit.SECONDS).join().generationId()).isEqualTo(2);
        assertThat(rejoin.orTimeout(2, TimeUnit.SECONDS).join().members()).hasSize(1);
        assertThat(f.join(GROUP, pending).orTimeout(2, TimeUnit.SECONDS).join().error())
                .isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }
}
