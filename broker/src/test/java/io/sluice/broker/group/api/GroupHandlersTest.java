package io.sluice.broker.group.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.group.FakeGroupStore;
import io.sluice.broker.group.GroupConfig;
import io.sluice.broker.group.GroupCoordinator;
import io.sluice.broker.group.ManualGroupScheduler;
import io.sluice.broker.testing.WireRoundTrip;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopic;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class GroupHandlersTest {
    private static final int PARTITIONS = 4;

    private final ManualGroupScheduler time = new ManualGroupScheduler();
    private final GroupCoordinator coordinator = new GroupCoordinator(
            1,
            new GroupConfig(6_000, 300_000, 0, 10, 86_400_000L, 600_000, 5_000),
            new FakeGroupStore(PARTITIONS),
            time.clock,
            time);
    private final Map<ApiKeys, ApiHandler<?>> handlers =
            GroupApis.handlers(coordinator, tp -> !tp.topic().equals("nope")).stream()
                    .collect(Collectors.toMap(ApiHandler::apiKey, Function.identity()));

    GroupHandlersTest() {
        coordinator.startup();
        for (int p = 0; p < PARTITIONS; p++) {
            coordinator.onElection(p, 1);
        }
        time.runLoads();
    }

    /** Sends {@code request} as a client would at {@code version} (fields the version lacks are lost). */
    @SuppressWarnings("unchecked")
    private <R extends AbstractResponse> R send(ApiKeys api, short version, ApiMessage request) throws Exception {
        ByteBuffer bytes = MessageUtil.toByteBuffer(request, version);
        ApiMessage parsed =
                AbstractRequest.parseRequest(api, version, bytes).request.data();
        ApiHandler<ApiMessage> handler = (ApiHandler<ApiMessage>) handlers.get(api);
        RequestContext context = new RequestContext(
                new RequestHeader(api, version, "client", 1),
                "PLAINTEXT",
                new InetSocketAddress("127.0.0.1", 40000),
                "c1",
                time.millis());
        return WireRoundTrip.parse(api, version, handler.handle(context, parsed));
    }

    private static JoinGroupRequestData join(String group, String memberId, String instanceId) {
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(new byte[] {1, 2}));
        return new JoinGroupRequestData()
                .setGroupId(group)
                .setMemberId(memberId)
                .setGroupInstanceId(instanceId)
                .setProtocolType("consumer")
                .setSessionTimeoutMs(10_000)
                .setRebalanceTimeoutMs(30_000)
                .setProtocols(protocols);
    }

    private JoinGroupResponseData joinGroup(short version, JoinGroupRequestData request) throws Exception {
        return ((org.apache.kafka.common.requests.JoinGroupResponse) send(ApiKeys.JOIN_GROUP, version, request)).data();
    }

    @Test
    void handlersCoverTheClientVersionRangesWithoutBlocking() {
        assertThat(handlers).hasSize(10);
        assertThat(handlers.values()).allSatisfy(h -> {
            assertThat(h.mayBlock()).isFalse();
            assertThat(h.minVersion()).isEqualTo((short) 0);
            assertThat(h.maxVersion()).isEqualTo(h.apiKey().latestVersion(false));
        });
    }

    @Test
    void everyVersionOfTheRebalanceApisRoundTrips() throws Exception {
        for (short v = 0; v <= JoinGroupRequestData.HIGHEST_SUPPORTED_VERSION; v++) {
            String group = "group-v" + v;
            String memberId = "";
            if (v >= 4) {
                JoinGroupResponseData required = joinGroup(v, join(group, "", null));
                assertThat(required.errorCode()).isEqualTo(Errors.MEMBER_ID_REQUIRED.code());
                memberId = required.memberId();
            }
            JoinGroupResponseData joined = joinGroup(v, join(group, memberId, null));
            assertThat(joined.errorCode()).as("v%d", v).isEqualTo(Errors.NONE.code());
            assertThat(joined.generationId()).isEqualTo(1);
            assertThat(joined.leader()).isEqualTo(joined.memberId());
            assertThat(joined.members())
                    .singleElement()
                    .satisfies(m -> assertThat(m.metadata()).containsExactly(1, 2));
            assertThat(joined.protocolName()).isEqualTo("range");
            if (v >= 7) {
                assertThat(joined.protocolType()).isEqualTo("consumer");
            }
            memberId = joined.memberId();

            short syncVersion = (short) Math.min(v, SyncGroupRequestData.HIGHEST_SUPPORTED_VERSION);
            SyncGroupRequestData sync = new SyncGroupRequestData()
                    .setGroupId(group)
                    .setMemberId(memberId)
                    .setGenerationId(1)
                    .setProtocolType("consumer")
                    .setProtocolName("range")
                    .setAssignments(List.of(new SyncGroupRequestAssignment()
                            .setMemberId(memberId)
                            .setAssignment(new byte[] {5})));
            SyncGroupResponseData synced = ((org.apache.kafka.common.requests.SyncGroupResponse)
                            send(ApiKeys.SYNC_GROUP, syncVersion, sync))
                    .data();
            assertThat(synced.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(synced.assignment()).containsExactly(5);
            if (syncVersion >= 5) {
                assertThat(synced.protocolName()).isEqualTo("range");
            }

            short hbVersion = (short) Math.min(v, HeartbeatRequestData.HIGHEST_SUPPORTED_VERSION);
            AbstractResponse hb = send(
                    ApiKeys.HEARTBEAT,
                    hbVersion,
                    new HeartbeatRequestData()
                            .setGroupId(group)
                            .setMemberId(memberId)
                            .setGenerationId(1));
            assertThat(hb.errorCounts()).containsOnlyKeys(Errors.NONE);

            short leaveVersion = (short) Math.min(v, LeaveGroupRequestData.HIGHEST_SUPPORTED_VERSION);
            LeaveGroupRequestData leave = new LeaveGroupRequestData().setGroupId(group);
            if (leaveVersion < 3) {
                leave.setMemberId(memberId);
            } else {
                leave.setMembers(List.of(new MemberIdentity().setMemberId(memberId)));
            }
            LeaveGroupResponseData left = ((org.apache.kafka.common.requests.LeaveGroupResponse)
                            send(ApiKeys.LEAVE_GROUP, leaveVersion, leave))
                    .data();
            assertThat(left.errorCode()).isEqualTo(Errors.NONE.code());
        }
    }

    @Test
    void staticMembersFromV5AndSkipAssignmentFromV9() throws Exception {
        JoinGroupResponseData first = joinGroup((short) 9, join("static", "", "i-1"));
        assertThat(first.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(first.members())
                .singleElement()
                .satisfies(m -> assertThat(m.groupInstanceId()).isEqualTo("i-1"));
        send(
                ApiKeys.SYNC_GROUP,
                (short) 5,
                new SyncGroupRequestData()
                        .setGroupId("static")
                        .setMemberId(first.memberId())
                        .setGroupInstanceId("i-1")
                        .setGenerationId(1)
                        .setProtocolType("consumer")
                        .setProtocolName("range"));
        JoinGroupResponseData rejoin = joinGroup((short) 9, join("static", "", "i-1"));
        assertThat(rejoin.skipAssignment()).isTrue();
        assertThat(rejoin.memberId()).isNotEqualTo(first.memberId());
        JoinGroupResponseData rejoinV5 = joinGroup((short) 5, join("static", "", "i-1"));
        assertThat(rejoinV5.members()).isEmpty();
        assertThat(rejoinV5.leader()).isNotEqualTo(rejoinV5.memberId());

        LeaveGroupResponseData fenced = ((org.apache.kafka.common.requests.LeaveGroupResponse) send(
                        ApiKeys.LEAVE_GROUP,
                        (short) 3,
                        new LeaveGroupRequestData()
                                .setGroupId("static")
                                .setMembers(List.of(
                                        new MemberIdentity()
                                                .setMemberId(first.memberId())
                                                .setGroupInstanceId("i-1"),
                                        new MemberIdentity().setMemberId("").setGroupInstanceId("i-1")))))
                .data();
        assertThat(fenced.members())
                .extracting(LeaveGroupResponseData.MemberResponse::errorCode)
                .containsExactly(Errors.FENCED_INSTANCE_ID.code(), Errors.NONE.code());
    }

    @Test
    void syncV5RequiresProtocolTypeAndName() throws Exception {
        JoinGroupResponseData joined = joinGroup((short) 3, join("g", "", null));
        SyncGroupResponseData synced = ((org.apache.kafka.common.requests.SyncGroupResponse) send(
                        ApiKeys.SYNC_GROUP,
                        (short) 5,
                        new SyncGroupRequestData()
                                .setGroupId("g")
                                .setMemberId(joined.memberId())
                                .setGenerationId(1)))
                .data();
        assertThat(synced.errorCode()).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL.code());
    }

    @Test
    void leaveV0FoldsTheMemberErrorIntoTheTopLevel() throws Exception {
        joinGroup((short) 3, join("g", "", null));
        AbstractResponse left = send(
                ApiKeys.LEAVE_GROUP,
                (short) 0,
                new LeaveGroupRequestData().setGroupId("g").setMemberId("ghost"));
        assertThat(left.errorCounts()).containsOnlyKeys(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void commitAndFetchAtEveryVersion() throws Exception {
        for (short v = 0; v <= OffsetCommitRequestData.HIGHEST_SUPPORTED_VERSION; v++) {
            String group = "offsets-v" + v;
            OffsetCommitRequestData commit = new OffsetCommitRequestData()
                    .setGroupId(group)
                    .setGenerationIdOrMemberEpoch(-1)
                    .setTopics(new java.util.ArrayList<>(List.of(new OffsetCommitRequestTopic()
                            .setName("t")
                            .setPartitions(List.of(
                                    new OffsetCommitRequestPartition()
                                            .setPartitionIndex(0)
                                            .setCommittedOffset(100 + v)
                                            .setCommittedLeaderEpoch(4)
                                            .setCommittedMetadata("m"),
                                    new OffsetCommitRequestPartition()
                                            .setPartitionIndex(1)
                                            .setCommittedOffset(1)
                                            .setCommittedMetadata("x".repeat(5000)))))));
            commit.topics()
                    .add(new OffsetCommitRequestTopic()
                            .setName("nope")
                            .setPartitions(List.of(new OffsetCommitRequestPartition()
                                    .setPartitionIndex(0)
                                    .setCommittedOffset(1))));
            OffsetCommitResponseData committed = ((org.apache.kafka.common.requests.OffsetCommitResponse)
                            send(ApiKeys.OFFSET_COMMIT, v, commit))
                    .data();
            assertThat(committed.topics().get(0).partitions())
                    .extracting(p -> Errors.forCode(p.errorCode()))
                    .containsExactly(Errors.NONE, Errors.OFFSET_METADATA_TOO_LARGE);
            assertThat(committed.topics().get(1).partitions().get(0).errorCode())
                    .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());

            short fetchVersion = v;
            OffsetFetchRequestData fetch;
            if (fetchVersion >= 8) {
                fetch = new OffsetFetchRequestData()
                        .setGroups(List.of(
                                new OffsetFetchRequestGroup()
                                        .setGroupId(group)
                                        .setTopics(List.of(new OffsetFetchRequestTopics()
                                                .setName("t")
                                                .setPartitionIndexes(List.of(0, 1)))),
                                new OffsetFetchRequestGroup()
                                        .setGroupId("other")
                                        .setTopics(null)));
            } else {
                fetch = new OffsetFetchRequestData()
                        .setGroupId(group)
                        .setTopics(List.of(
                                new OffsetFetchRequestTopic().setName("t").setPartitionIndexes(List.of(0, 1))));
            }
            OffsetFetchResponseData fetched = ((org.apache.kafka.common.requests.OffsetFetchResponse)
                            send(ApiKeys.OFFSET_FETCH, fetchVersion, fetch))
                    .data();
            var partitions = fetchVersion >= 8
                    ? fetched.groups().get(0).topics().get(0).partitions().stream()
                            .map(p -> List.of(p.committedOffset(), (long) p.committedLeaderEpoch()))
                            .toList()
                    : fetched.topics().get(0).partitions().stream()
                            .map(p -> List.of(p.committedOffset(), (long) p.committedLeaderEpoch()))
                            .toList();
            long epoch = fetchVersion >= 5 && v >= 6 ? 4 : -1;
            assertThat(partitions).as("v%d", v).containsExactly(List.of(100L + v, epoch), List.of(-1L, -1L));
            if (fetchVersion >= 8) {
                assertThat(fetched.groups().get(1).topics()).isEmpty();
            }
        }
    }

    @Test
    void fetchV1CarriesAGroupErrorInEveryPartition() throws Exception {
        coordinator.onResignation(
                io.sluice.broker.group.OffsetsTopic.partitionFor("gone", PARTITIONS), java.util.OptionalInt.empty());
        OffsetFetchResponseData v1 = ((org.apache.kafka.common.requests.OffsetFetchResponse) send(
                        ApiKeys.OFFSET_FETCH,
                        (short) 1,
                        new OffsetFetchRequestData()
                                .setGroupId("gone")
                                .setTopics(List.of(new OffsetFetchRequestTopic()
                                        .setName("t")
                                        .setPartitionIndexes(List.of(0))))))
                .data();
        assertThat(v1.topics().get(0).partitions().get(0).errorCode()).isEqualTo(Errors.NOT_COORDINATOR.code());
        OffsetFetchResponseData v3 = ((org.apache.kafka.common.requests.OffsetFetchResponse) send(
                        ApiKeys.OFFSET_FETCH,
                        (short) 3,
                        new OffsetFetchRequestData().setGroupId("gone").setTopics(null)))
                .data();
        assertThat(v3.errorCode()).isEqualTo(Errors.NOT_COORDINATOR.code());
    }

    @Test
    void describeListDeleteAndOffsetDeleteAtEveryVersion() throws Exception {
        JoinGroupResponseData joined = joinGroup((short) 5, join("live", "", "inst"));
        send(
                ApiKeys.SYNC_GROUP,
                (short) 3,
                new SyncGroupRequestData()
                        .setGroupId("live")
                        .setMemberId(joined.memberId())
                        .setGroupInstanceId("inst")
                        .setGenerationId(1)
                        .setAssignments(List.of(new SyncGroupRequestAssignment()
                                .setMemberId(joined.memberId())
                                .setAssignment(new byte[] {9}))));
        for (short v = 0; v <= DescribeGroupsRequestData.HIGHEST_SUPPORTED_VERSION; v++) {
            DescribeGroupsResponseData described = ((org.apache.kafka.common.requests.DescribeGroupsResponse) send(
                            ApiKeys.DESCRIBE_GROUPS,
                            v,
                            new DescribeGroupsRequestData()
                                    .setGroups(List.of("live", "none"))
                                    .setIncludeAuthorizedOperations(v >= 3)))
                    .data();
            var live = described.groups().get(0);
            assertThat(live.groupState()).isEqualTo("Stable");
            assertThat(live.protocolData()).isEqualTo("range");
            assertThat(live.members()).singleElement().satisfies(m -> {
                assertThat(m.memberAssignment()).containsExactly(9);
                assertThat(m.clientHost()).isEqualTo("/127.0.0.1");
            });
            if (v >= 4) {
                assertThat(live.members().get(0).groupInstanceId()).isEqualTo("inst");
            }
            assertThat(live.authorizedOperations())
                    .isEqualTo(v >= 3 ? DescribeGroupsHandler.GROUP_OPERATIONS : Integer.MIN_VALUE);
            assertThat(described.groups().get(1).groupState()).isEqualTo("Dead");
            assertThat(described.groups().get(1).errorCode()).isEqualTo(Errors.NONE.code());
        }
        for (short v = 0; v <= ListGroupsRequestData.HIGHEST_SUPPORTED_VERSION; v++) {
            ListGroupsRequestData request = new ListGroupsRequestData();
            if (v >= 4) {
                request.setStatesFilter(List.of("Stable"));
            }
            if (v >= 5) {
                request.setTypesFilter(List.of("Classic"));
            }
            ListGroupsResponseData listed = ((org.apache.kafka.common.requests.ListGroupsResponse)
                            send(ApiKeys.LIST_GROUPS, v, request))
                    .data();
            assertThat(listed.groups()).singleElement().satisfies(g -> {
                assertThat(g.groupId()).isEqualTo("live");
                assertThat(g.protocolType()).isEqualTo("consumer");
            });
            if (v >= 5) {
                assertThat(listed.groups().get(0).groupType()).isEqualTo("classic");
                assertThat(listed.groups().get(0).groupState()).isEqualTo("Stable");
            }
        }
        ListGroupsResponseData consumerType = ((org.apache.kafka.common.requests.ListGroupsResponse) send(
                        ApiKeys.LIST_GROUPS,
                        (short) 5,
                        new ListGroupsRequestData().setTypesFilter(List.of("consumer"))))
                .data();
        assertThat(consumerType.groups()).isEmpty();

        OffsetDeleteRequestTopicCollection topics = new OffsetDeleteRequestTopicCollection();
        topics.add(new OffsetDeleteRequestTopic()
                .setName("nope")
                .setPartitions(List.of(new OffsetDeleteRequestPartition().setPartitionIndex(0))));
        OffsetDeleteResponseData offsetDelete = ((org.apache.kafka.common.requests.OffsetDeleteResponse) send(
                        ApiKeys.OFFSET_DELETE,
                        (short) 0,
                        new OffsetDeleteRequestData().setGroupId("live").setTopics(topics)))
                .data();
        assertThat(offsetDelete.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(offsetDelete.topics().find("nope").partitions().find(0).errorCode())
                .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());

        for (short v = 0; v <= DeleteGroupsRequestData.HIGHEST_SUPPORTED_VERSION; v++) {
            AbstractResponse deleted = send(
                    ApiKeys.DELETE_GROUPS, v, new DeleteGroupsRequestData().setGroupsNames(List.of("live", "missing")));
            assertThat(deleted.errorCounts())
                    .containsEntry(Errors.NON_EMPTY_GROUP, 1)
                    .containsEntry(Errors.GROUP_ID_NOT_FOUND, 1);
        }
    }
}
