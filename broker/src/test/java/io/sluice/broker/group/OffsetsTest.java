package io.sluice.broker.group;

import static io.sluice.broker.group.CoordinatorFixture.RETENTION_MS;
import static io.sluice.broker.group.CoordinatorFixture.SESSION_MS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.broker.group.GroupResults.FetchResult;
import io.sluice.broker.group.GroupResults.OffsetDeleteResult;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class OffsetsTest {
    private static final String GROUP = "g1";
    private static final TopicPartition T0 = new TopicPartition("t", 0);
    private static final TopicPartition T1 = new TopicPartition("t", 1);
    private static final TopicPartition U0 = new TopicPartition("u", 0);

    private final CoordinatorFixture f = new CoordinatorFixture();

    private CommittedOffset offset(long offset) {
        return new CommittedOffset(offset, 3, "meta", f.time.millis(), -1);
    }

    private Map<TopicPartition, Errors> commit(
            String memberId, int generation, Map<TopicPartition, CommittedOffset> o) {
        return f.coordinator
                .commitOffsets(GROUP, memberId, Optional.empty(), generation, o)
                .orTimeout(2, TimeUnit.SECONDS)
                .join();
    }

    @Test
    void simpleCommitCreatesAnEmptyGroupAndFetchReturnsIt() {
        assertThat(commit("", -1, Map.of(T0, offset(10)))).containsEntry(T0, Errors.NONE);
        assertThat(f.state(GROUP)).isEqualTo(GroupState.EMPTY);
        FetchResult fetched = f.coordinator.fetchOffsets(GROUP, List.of(T0, T1));
        assertThat(fetched.error()).isEqualTo(Errors.NONE);
        assertThat(fetched.offsets().get(T0).offset()).isEqualTo(10);
        assertThat(fetched.offsets().get(T0).leaderEpoch()).isEqualTo(3);
        assertThat(fetched.offsets()).containsKey(T1);
        assertThat(fetched.offsets().get(T1)).isNull();
        assertThat(f.coordinator.fetchOffsets(GROUP, null).offsets()).containsOnlyKeys(T0);
        assertThat(f.coordinator.fetchOffsets("unknown", null).offsets()).isEmpty();
        assertThat(f.store.storedOffsets(GROUP)).containsKey(T0);
    }

    @Test
    void aCommitWhoseWriteCompletesLateDoesNotOverwriteANewerOne() {
        assertThat(commit("", -1, Map.of(T0, offset(1)))).containsEntry(T0, Errors.NONE);
        f.store.holdWrites(true);
        CompletableFuture<Map<TopicPartition, Errors>> older =
                f.coordinator.commitOffsets(GROUP, "", Optional.empty(), -1, Map.of(T0, offset(10), T1, offset(10)));
        CompletableFuture<Map<TopicPartition, Errors>> newer =
                f.coordinator.commitOffsets(GROUP, "", Optional.empty(), -1, Map.of(T0, offset(20)));
        await().atMost(Duration.ofSeconds(5)).until(() -> f.store.writes().size() == 3);

        f.store.releaseNewestFirst();

        assertThat(newer.orTimeout(2, TimeUnit.SECONDS).join()).containsEntry(T0, Errors.NONE);
        assertThat(older.orTimeout(2, TimeUnit.SECONDS).join()).containsEntry(T0, Errors.NONE);
        FetchResult fetched = f.coordinator.fetchOffsets(GROUP, List.of(T0, T1));
        assertThat(fetched.offsets().get(T0).offset())
                .as("the newer commit stays")
                .isEqualTo(20);
        assertThat(fetched.offsets().get(T1).offset()).isEqualTo(10);
    }

    @Test
    void commitChecksGenerationAndMember() {
        assertThat(commit("m", 1, Map.of(T0, offset(1)))).containsEntry(T0, Errors.ILLEGAL_GENERATION);
        String a = f.stableSingleMember(GROUP);
        assertThat(commit(a, 1, Map.of(T0, offset(5)))).containsEntry(T0, Errors.NONE);
        assertThat(commit(a, 0, Map.of(T0, offset(6)))).containsEntry(T0, Errors.ILLEGAL_GENERATION);
        assertThat(commit("ghost", 1, Map.of(T0, offset(6)))).containsEntry(T0, Errors.UNKNOWN_MEMBER_ID);
        assertThat(commit("", -1, Map.of(T0, offset(6)))).containsEntry(T0, Errors.UNKNOWN_MEMBER_ID);
        String b = f.memberIdFor(GROUP);
        f.join(GROUP, b);
        assertThat(commit(a, 1, Map.of(T0, offset(7))))
                .as("commits of the old generation are allowed while preparing")
                .containsEntry(T0, Errors.NONE);
        f.join(GROUP, a).orTimeout(2, TimeUnit.SECONDS).join();
        assertThat(commit(a, 2, Map.of(T0, offset(8)))).containsEntry(T0, Errors.REBALANCE_IN_PROGRESS);
        assertThat(f.coordinator
                        .fetchOffsets(GROUP, List.of(T0))
                        .offsets()
                        .get(T0)
                        .offset())
                .isEqualTo(7);
    }

    @Test
    void staticMemberFencedOnCommit() {
        JoinResult joined = f.coordinator
                .joinGroup(CoordinatorFixture.request(GROUP, "", "i1", CoordinatorFixture.protocols("range")))
                .orTimeout(2, TimeUnit.SECONDS)
                .join();
        f.sync(GROUP, joined.memberId(), 1, Map.of())
                .orTimeout(2, TimeUnit.SECONDS)
                .join();
        Map<TopicPartition, Errors> fenced = f.coordinator
                .commitOffsets(GROUP, "old-id", Optional.of("i1"), 1, Map.of(T0, offset(1)))
                .orTimeout(2, TimeUnit.SECONDS)
                .join();
        assertThat(fenced).containsEntry(T0, Errors.FENCED_INSTANCE_ID);
    }

    @Test
    void metadataTooLargeIsRejectedPerPartition() {
        char[] big = new char[GroupConfig.MAX_METADATA_SIZE + 1];
        Arrays.fill(big, 'x');
        Map<TopicPartition, CommittedOffset> commits = new LinkedHashMap<>();
        commits.put(T0, new CommittedOffset(1, -1, new String(big), f.time.millis(), -1));
        commits.put(T1, offset(2));
        Map<TopicPartition, Errors> result = commit("", -1, commits);
        assertThat(result).containsEntry(T0, Errors.OFFSET_METADATA_TOO_LARGE).containsEntry(T1, Errors.NONE);
        assertThat(f.store.storedOffsets(GROUP)).containsOnlyKeys(T1);
    }

    @Test
    void commitIsAnsweredOnlyAfterTheStoreAndMapsItsErrors() {
        f.store.holdWrites(true);
        CompletableFuture<Map<TopicPartition, Errors>> pending =
                f.coordinator.commitOffsets(GROUP, "", Optional.empty(), -1, Map.of(T0, offset(1)));
        assertThat(pending).isNotDone();
        assertThat(f.coordinator.fetchOffsets(GROUP, List.of(T0)).offsets().get(T0))
                .isNull();
        assertThat(f.coordinator.fetchOffsets(GROUP, List.of(T0, T1), true).unstable())
                .containsExactly(T0);
        assertThat(f.coordinator.fetchOffsets(GROUP, List.of(T0), false).unstable())
                .isEmpty();
        f.store.release();
        assertThat(pending.orTimeout(2, TimeUnit.SECONDS).join()).containsEntry(T0, Errors.NONE);
        assertThat(f.coordinator.fetchOffsets(GROUP, List.of(T0), true).unstable())
                .isEmpty();
        f.store.holdWrites(false);

        Map<Errors, Errors> mapping = Map.of(
                Errors.NOT_LEADER_OR_FOLLOWER, Errors.NOT_COORDINATOR,
                Errors.NOT_ENOUGH_REPLICAS, Errors.COORDINATOR_NOT_AVAILABLE,
                Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND, Errors.COORDINATOR_NOT_AVAILABLE,
                Errors.REQUEST_TIMED_OUT, Errors.COORDINATOR_NOT_AVAILABLE,
                Errors.RECORD_LIST_TOO_LARGE, Errors.INVALID_COMMIT_OFFSET_SIZE,
                Errors.CORRUPT_MESSAGE, Errors.UNKNOWN_SERVER_ERROR);
        mapping.forEach((storeError, expected) -> {
            f.store.failWith(storeError);
            assertThat(commit("", -1, Map.of(T0, offset(99))))
                    .as("%s", storeError)
                    .containsEntry(T0, expected);
        });
        assertThat(f.coordinator
                        .fetchOffsets(GROUP, List.of(T0))
                        .offsets()
                        .get(T0)
                        .offset())
                .isEqualTo(1);
    }

    @Test
    void retentionExpiresOffsetsOfAnEmptyGroupCountedFromWhenItBecameEmptyThenRemovesTheGroup() {
        String a = f.stableSingleMember(GROUP);
        commit(a, 1, Map.of(T0, offset(5)));
        f.time.advance(SESSION_MS);
        assertThat(f.state(GROUP)).isEqualTo(GroupState.EMPTY);
        f.time.advance(RETENTION_MS - 1);
        f.coordinator.expireOffsets();
        assertThat(f.coordinator.fetchOffsets(GROUP, null).offsets()).containsOnlyKeys(T0);
        f.time.advance(1);
        f.coordinator.expireOffsets();
        assertThat(f.coordinator.fetchOffsets(GROUP, null).offsets()).isEmpty();
        assertThat(f.state(GROUP)).isEqualTo(GroupState.DEAD);
        assertThat(f.store.writes()).contains("delete:" + GROUP + ":1:true");
        assertThat(f.store.storedGroup(GROUP)).isNull();
    }

    @Test
    void retentionOfAStableConsumerGroupExpiresOnlyUnsubscribedTopics() {
        Map<String, byte[]> subscribedToT = new LinkedHashMap<>();
        subscribedToT.put("range", CoordinatorFixture.subscription("t"));
        JoinResult joined = f.coordinator
                .joinGroup(CoordinatorFixture.request(GROUP, "", "i1", subscribedToT))
                .orTimeout(2, TimeUnit.SECONDS)
                .join();
        String a = joined.memberId();
        f.sync(GROUP, a, 1, Map.of()).orTimeout(2, TimeUnit.SECONDS).join();
        commit(a, 1, Map.of(T0, offset(1), U0, offset(2)));
        for (long elapsed = 0; elapsed <= RETENTION_MS; elapsed += SESSION_MS / 2) {
            f.time.advance(SESSION_MS / 2);
            assertThat(f.coordinator.heartbeat(GROUP, a, Optional.of("i1"), 1)).isEqualTo(Errors.NONE);
        }
        f.coordinator.expireOffsets();
        assertThat(f.coordinator.fetchOffsets(GROUP, null).offsets()).containsOnlyKeys(T0);
        assertThat(f.state(GROUP)).isEqualTo(GroupState.STABLE);
    }

    @Test
    void periodicRetentionHonoursAnExplicitExpiry() {
        f.coordinator
                .commitOffsets(
                        GROUP,
                        "",
                        Optional.empty(),
                        -1,
                        Map.of(T0, new CommittedOffset(1, -1, "", f.time.millis(), f.time.millis() + 1_000)))
                .orTimeout(2, TimeUnit.SECONDS)
                .join();
        f.time.advance(600_000);
        assertThat(f.coordinator.fetchOffsets(GROUP, null).offsets()).isEmpty();
    }

    @Test
    void deleteGroups() {
        commit("", -1, Map.of(T0, offset(1)));
        String busy = "busy";
        f.coordinator
                .joinGroup(CoordinatorFixture.request(busy, "", "i", CoordinatorFixture.protocols("range")))
                .orTimeout(2, TimeUnit.SECONDS)
                .join();
        Map<String, Errors> result = f.coordinator
                .deleteGroups(List.of(GROUP, busy, "missing"))
                .orTimeout(2, TimeUnit.SECONDS)
                .join();
        assertThat(result)
                .containsEntry(GROUP, Errors.NONE)
                .containsEntry(busy, Errors.NON_EMPTY_GROUP)
                .containsEntry("missing", Errors.GROUP_ID_NOT_FOUND);
        assertThat(f.store.writes()).contains("delete:" + GROUP + ":1:true");
        assertThat(f.coordinator.fetchOffsets(GROUP, List.of(T0)).offsets().get(T0))
                .isNull();
        assertThat(f.coordinator
                        .deleteGroups(List.of(GROUP))
                        .orTimeout(2, TimeUnit.SECONDS)
                        .join())
                .containsEntry(GROUP, Errors.GROUP_ID_NOT_FOUND);
    }

    @Test
    void offsetDelete() {
        assertThat(f.coordinator
                        .deleteOffsets("missing", List.of(T0))
                        .orTimeout(2, TimeUnit.SECONDS)
                        .join()
                        .error())
                .isEqualTo(Errors.GROUP_ID_NOT_FOUND);
        assertThat(f.coordinator
                        .deleteOffsets("", List.of(T0))
                        .orTimeout(2, TimeUnit.SECONDS)
                        .join()
                        .error())
                .isEqualTo(Errors.INVALID_GROUP_ID);

        Map<String, byte[]> subscribedToT = new LinkedHashMap<>();
        subscribedToT.put("range", CoordinatorFixture.subscription("t"));
        JoinResult joined = f.coordinator
                .joinGroup(CoordinatorFixture.request(GROUP, "", "i1", subscribedToT))
                .orTimeout(2, TimeUnit.SECONDS)
                .join();
        f.sync(GROUP, joined.memberId(), 1, Map.of())
                .orTimeout(2, TimeUnit.SECONDS)
                .join();
        commit(joined.memberId(), 1, Map.of(T0, offset(1), U0, offset(2)));
        OffsetDeleteResult result = f.coordinator
                .deleteOffsets(GROUP, List.of(T0, U0))
                .orTimeout(2, TimeUnit.SECONDS)
                .join();
        assertThat(result.error()).isEqualTo(Errors.NONE);
        assertThat(result.partitions())
                .containsEntry(T0, Errors.GROUP_SUBSCRIBED_TO_TOPIC)
                .containsEntry(U0, Errors.NONE);
        assertThat(f.coordinator.fetchOffsets(GROUP, null).offsets()).containsOnlyKeys(T0);
        assertThat(f.store.storedOffsets(GROUP)).containsOnlyKeys(T0);

        JoinRequest connect = new JoinRequest(
                "connect-group",
                "",
                Optional.empty(),
                "connect",
                CoordinatorFixture.protocols("v1"),
                SESSION_MS,
                30_000,
                "c",
                "h",
                false,
                false);
        f.coordinator.joinGroup(connect).orTimeout(2, TimeUnit.SECONDS).join();
        assertThat(f.coordinator
                        .deleteOffsets("connect-group", List.of(T0))
                        .orTimeout(2, TimeUnit.SECONDS)
                        .join()
                        .error())
                .isEqualTo(Errors.NON_EMPTY_GROUP);
    }
}
