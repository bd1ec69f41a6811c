package io.sluice.broker.security;

import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The group gates answered per entry: OffsetCommit (READ on the group, READ on each topic), OffsetFetch (DESCRIBE on
 * the group; topics the principal may not DESCRIBE are hidden or answered {@code TOPIC_AUTHORIZATION_FAILED}),
 * DescribeGroups (DESCRIBE per group), FindCoordinator (DESCRIBE on the group or transactional id) and ListGroups
 * (every group with DESCRIBE on the cluster, else the groups the principal may DESCRIBE).
 */
final class GroupGates {
    private GroupGates() {}

    static void register(Map<ApiKeys, GatedHandler.Gate<?>> gates, RequestAuthorizer auth) {
        gates.put(ApiKeys.OFFSET_COMMIT, offsetCommit(auth));
        gates.put(ApiKeys.OFFSET_FETCH, offsetFetch(auth));
        gates.put(ApiKeys.DESCRIBE_GROUPS, describeGroups(auth));
        gates.put(ApiKeys.FIND_COORDINATOR, findCoordinator(auth));
        gates.put(ApiKeys.LIST_GROUPS, listGroups(auth));
    }

    private static GatedHandler.Gate<OffsetCommitRequestData> offsetCommit(RequestAuthorizer auth) {
        return (ctx, request, next) -> {
            if (!auth.authorize(ctx, AclOperation.READ, ResourceType.GROUP, request.groupId())) {
                return GatedHandler.refuse(ctx, request, Errors.GROUP_AUTHORIZATION_FAILED);
            }
            List<String> names = request.topics().stream()
                    .map(OffsetCommitRequestData.OffsetCommitRequestTopic::name)
                    .toList();
            Set<String> allowed = auth.authorized(ctx, AclOperation.READ, ResourceType.TOPIC, names, true);
            if (allowed.containsAll(names)) {
                return next.handle(ctx, request);
            }
            OffsetCommitRequestData narrowed = request.duplicate();
            narrowed.topics().removeIf(t -> !allowed.contains(t.name()));
            List<OffsetCommitRequestData.OffsetCommitRequestTopic> denied = request.topics().stream()
                    .filter(t -> !allowed.contains(t.name()))
                    .toList();
            return next.handle(ctx, narrowed).thenApply(response -> {
                if (response instanceof ApiResponse.Send send
                        && send.message() instanceof OffsetCommitResponseData data) {
                    for (OffsetCommitRequestData.OffsetCommitRequestTopic topic : denied) {
                        OffsetCommitResponseData.OffsetCommitResponseTopic answer =
                                new OffsetCommitResponseData.OffsetCommitResponseTopic().setName(topic.name());
                        topic.partitions()
                                .forEach(p -> answer.partitions()
                                        .add(new OffsetCommitResponseData.OffsetCommitResponsePartition()
                                                .setPartitionIndex(p.partitionIndex())
                                                .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())));
                        data.topics().add(answer);
                    }
                }
                return response;
            });
        };
    }

    private static GatedHandler.Gate<OffsetFetchRequestData> offsetFetch(RequestAuthorizer auth) {
        return (ctx, request, next) -> {
            List<String> groups = request.groups().isEmpty()
                    ? List.of(request.groupId())
                    : request.groups().stream()
                            .map(OffsetFetchRequestData.OffsetFetchRequestGroup::groupId)
                            .toList();
            for (String group : groups) {
                if (!auth.authorize(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, group)) {
                    return GatedHandler.refuse(ctx, request, Errors.GROUP_AUTHORIZATION_FAILED);
                }
            }
            return next.handle(ctx, request).thenApply(response -> {
                if (response instanceof ApiResponse.Send send
                        && send.message() instanceof OffsetFetchResponseData data) {
                    hideTopics(ctx, auth, data);
                }
                return response;
            });
        };
    }

    private static void hideTopics(RequestContext ctx, RequestAuthorizer auth, OffsetFetchResponseData data) {
        List<String> names = new ArrayList<>();
        data.topics().forEach(t -> names.add(t.name()));
        data.groups().forEach(g -> g.topics().forEach(t -> names.add(t.name())));
        Set<String> visible = auth.authorized(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, names, false);
        for (OffsetFetchResponseData.OffsetFetchResponseTopic topic : data.topics()) {
            if (!visible.contains(topic.name())) {
                topic.partitions()
                        .forEach(p -> p.setCommittedOffset(-1)
                                .setMetadata("")
                                .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
            }
        }
        for (OffsetFetchResponseData.OffsetFetchResponseGroup group : data.groups()) {
            for (OffsetFetchResponseData.OffsetFetchResponseTopics topic : group.topics()) {
                if (!visible.contains(topic.name())) {
                    topic.partitions()
                            .forEach(p -> p.setCommittedOffset(-1)
                                    .setMetadata("")
                                    .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
                }
            }
        }
    }

    private static GatedHandler.Gate<DescribeGroupsRequestData> describeGroups(RequestAuthorizer auth) {
        return (ctx, request, next) -> {
            Set<String> allowed =
                    auth.authorized(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, request.groups(), true);
            return next.handle(ctx, request).thenApply(response -> {
                if (response instanceof ApiResponse.Send send
                        && send.message() instanceof DescribeGroupsResponseData data) {
                    List<DescribeGroupsResponseData.DescribedGroup> answered = new ArrayList<>();
                    for (DescribeGroupsResponseData.DescribedGroup group : data.groups()) {
                        answered.add(
                                allowed.contains(group.groupId())
                                        ? group
                                        : new DescribeGroupsResponseData.DescribedGroup()
                                                .setGroupId(group.groupId())
                                                .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()));
                    }
                    data.setGroups(answered);
                }
                return response;
            });
        };
    }

    private static GatedHandler.Gate<FindCoordinatorRequestData> findCoordinator(RequestAuthorizer auth) {
        return (ctx, request, next) -> {
            boolean transaction = request.keyType() == FindCoordinatorRequest.CoordinatorType.TRANSACTION.id();
            ResourceType type = transaction ? ResourceType.TRANSACTIONAL_ID : ResourceType.GROUP;
            Errors error =
                    transaction ? Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED : Errors.GROUP_AUTHORIZATION_FAILED;
            if (request.coordinatorKeys().isEmpty()) {
                if (!auth.authorize(ctx, AclOperation.DESCRIBE, type, request.key())) {
                    return GatedHandler.refuse(ctx, request, error);
                }
                return next.handle(ctx, request);
            }
            Set<String> allowed = auth.authorized(ctx, AclOperation.DESCRIBE, type, request.coordinatorKeys(), true);
            if (allowed.containsAll(request.coordinatorKeys())) {
                return next.handle(ctx, request);
            }
            FindCoordinatorRequestData narrowed = request.duplicate();
            narrowed.coordinatorKeys().removeIf(k -> !allowed.contains(k));
            List<String> denied = request.coordinatorKeys().stream()
                    .filter(k -> !allowed.contains(k))
                    .distinct()
                    .toList();
            java.util.concurrent.CompletionStage<ApiResponse> answer =
                    narrowed.coordinatorKeys().isEmpty()
                            ? java.util.concurrent.CompletableFuture.completedFuture(
                                    ApiResponse.of(new FindCoordinatorResponseData()))
                            : next.handle(ctx, narrowed);
            return answer.thenApply(response -> {
                if (response instanceof ApiResponse.Send send
                        && send.message() instanceof FindCoordinatorResponseData data) {
                    for (String key : denied) {
                        data.coordinators()
                                .add(new FindCoordinatorResponseData.Coordinator()
                                        .setKey(key)
                                        .setNodeId(-1)
                                        .setHost("")
                                        .setPort(-1)
                                        .setErrorCode(error.code())
                                        .setErrorMessage(error.message()));
                    }
                }
                return response;
            });
        };
    }

    private static GatedHandler.Gate<ListGroupsRequestData> listGroups(RequestAuthorizer auth) {
        return (ctx, request, next) -> {
            if (auth.authorize(ctx, AclOperation.DESCRIBE, ResourceType.CLUSTER, AclRules.CLUSTER_NAME, false)) {
                return next.handle(ctx, request);
            }
            return next.handle(ctx, request).thenApply(response -> {
                if (response instanceof ApiResponse.Send send
                        && send.message() instanceof ListGroupsResponseData data) {
                    List<String> ids = data.groups().stream()
                            .map(ListGroupsResponseData.ListedGroup::groupId)
                            .toList();
                    Set<String> visible = auth.authorized(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, ids, false);
                    data.groups().removeIf(g -> !visible.contains(g.groupId()));
                }
                return response;
            });
        };
    }
}
