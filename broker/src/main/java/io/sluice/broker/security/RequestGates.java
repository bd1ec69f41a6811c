package io.sluice.broker.security;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.RequestContext;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.ResourceType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts every API behind the check Kafka's request handling makes (docs/security.md#what-each-api-checks). APIs whose
 * answer is per partition or per resource in Kafka and matter most to clients (Produce, Fetch, Metadata, the group
 * offset APIs, DescribeGroups, FindCoordinator, CreateTopics, DeleteTopics) are answered per entry; the others are
 * refused as a whole when any of their resources is denied, with the error Kafka uses for that resource.
 *
 * <p>Thread-safety: stateless factory; the gates it builds are stateless.
 */
public final class RequestGates {
    private static final Logger log = LoggerFactory.getLogger(RequestGates.class);

    /**
     * What the gates need to know about topics.
     *
     * @param topicName a topic's name by id (Fetch v13+, DeleteTopics v6), empty when unknown
     * @param topicExists whether a topic exists (Metadata's auto-creation needs CREATE only for new topics)
     */
    public record Topics(Function<Uuid, Optional<String>> topicName, Predicate<String> topicExists) {}

    /** One resource a request touches and the error Kafka answers when it is denied. */
    record Check(AclOperation operation, ResourceType type, String name, Errors error) {
        static Check cluster(AclOperation operation) {
            return new Check(
                    operation, ResourceType.CLUSTER, AclRules.CLUSTER_NAME, Errors.CLUSTER_AUTHORIZATION_FAILED);
        }

        static Check topic(AclOperation operation, String name) {
            return new Check(operation, ResourceType.TOPIC, name, Errors.TOPIC_AUTHORIZATION_FAILED);
        }

        static Check group(AclOperation operation, String name) {
            return new Check(operation, ResourceType.GROUP, name, Errors.GROUP_AUTHORIZATION_FAILED);
        }

        static Check transactionalId(String name) {
            return new Check(
                    AclOperation.WRITE,
                    ResourceType.TRANSACTIONAL_ID,
                    name,
                    Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
        }
    }

    private RequestGates() {}

    /** {@code handlers} with their gates; unchanged when no authorizer is configured. */
    public static List<ApiHandler<?>> wrap(List<ApiHandler<?>> handlers, RequestAuthorizer auth, Topics topics) {
        if (!auth.enabled()) {
            return handlers;
        }
        Map<ApiKeys, GatedHandler.Gate<?>> gates = gates(auth, topics);
        List<ApiHandler<?>> wrapped = new ArrayList<>(handlers.size());
        List<ApiKeys> open = new ArrayList<>();
        for (ApiHandler<?> handler : handlers) {
            GatedHandler.Gate<?> gate = gates.get(handler.apiKey());
            if (gate == null) {
                open.add(handler.apiKey());
                wrapped.add(handler);
            } else {
                wrapped.add(gated(handler, gate));
            }
        }
        if (!open.isEmpty()) {
            log.info("APIs answered without an authorization check: {}", open);
        }
        return wrapped;
    }

    @SuppressWarnings("unchecked")
    private static <Req extends ApiMessage> ApiHandler<Req> gated(ApiHandler<?> handler, GatedHandler.Gate<?> gate) {
        return new GatedHandler<>((ApiHandler<Req>) handler, (GatedHandler.Gate<Req>) gate);
    }

    private static Map<ApiKeys, GatedHandler.Gate<?>> gates(RequestAuthorizer auth, Topics topics) {
        Map<ApiKeys, GatedHandler.Gate<?>> g = new EnumMap<>(ApiKeys.class);
        // inter-broker: only brokers (super users or holders of CLUSTER_ACTION) may speak for the controller
        for (ApiKeys key : List.of(
                ApiKeys.LEADER_AND_ISR,
                ApiKeys.STOP_REPLICA,
                ApiKeys.UPDATE_METADATA,
                ApiKeys.CONTROLLED_SHUTDOWN,
                ApiKeys.ALTER_PARTITION,
                ApiKeys.WRITE_TXN_MARKERS)) {
            g.put(key, allOf(auth, r -> List.of(Check.cluster(AclOperation.CLUSTER_ACTION))));
        }
        g.put(ApiKeys.ELECT_LEADERS, allOf(auth, r -> List.of(Check.cluster(AclOperation.ALTER))));
        g.put(ApiKeys.ALTER_PARTITION_REASSIGNMENTS, allOf(auth, r -> List.of(Check.cluster(AclOperation.ALTER))));
        g.put(ApiKeys.LIST_PARTITION_REASSIGNMENTS, allOf(auth, r -> List.of(Check.cluster(AclOperation.DESCRIBE))));
        g.put(ApiKeys.CREATE_ACLS, allOf(auth, r -> List.of(Check.cluster(AclOperation.ALTER))));
        g.put(ApiKeys.DELETE_ACLS, allOf(auth, r -> List.of(Check.cluster(AclOperation.ALTER))));
        g.put(ApiKeys.DESCRIBE_ACLS, allOf(auth, r -> List.of(Check.cluster(AclOperation.DESCRIBE))));
        g.put(
                ApiKeys.DESCRIBE_TRANSACTIONS,
                allOf(
                        auth,
                        (DescribeTransactionsRequestData r) -> r.transactionalIds().stream()
                                .map(id -> new Check(
                                        AclOperation.DESCRIBE,
                                        ResourceType.TRANSACTIONAL_ID,
                                        id,
                                        Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED))
                                .toList()));
        // Kafka lists only the ids the principal may describe; Sluice asks for DESCRIBE on the cluster instead
        // (stricter: it never lists an id a principal may not see)
        g.put(ApiKeys.LIST_TRANSACTIONS, allOf(auth, r -> List.of(Check.cluster(AclOperation.DESCRIBE))));
        g.put(
                ApiKeys.DESCRIBE_PRODUCERS,
                allOf(
                        auth,
                        (DescribeProducersRequestData r) -> r.topics().stream()
                                .map(t -> Check.topic(AclOperation.READ, t.name()))
                                .toList()));
        g.put(ApiKeys.ALTER_USER_SCRAM_CREDENTIALS, allOf(auth, r -> List.of(Check.cluster(AclOperation.ALTER))));
        g.put(ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS, allOf(auth, r -> List.of(Check.cluster(AclOperation.DESCRIBE))));
        g.put(ApiKeys.ALTER_CLIENT_QUOTAS, allOf(auth, r -> List.of(Check.cluster(AclOperation.ALTER_CONFIGS))));
        g.put(ApiKeys.DESCRIBE_CLIENT_QUOTAS, allOf(auth, r -> List.of(Check.cluster(AclOperation.DESCRIBE_CONFIGS))));

        // groups
        g.put(ApiKeys.JOIN_GROUP, allOf(auth, (JoinGroupRequestData r) -> List.of(group(r.groupId()))));
        g.put(ApiKeys.SYNC_GROUP, allOf(auth, (SyncGroupRequestData r) -> List.of(group(r.groupId()))));
        g.put(ApiKeys.HEARTBEAT, allOf(auth, (HeartbeatRequestData r) -> List.of(group(r.groupId()))));
        g.put(ApiKeys.LEAVE_GROUP, allOf(auth, (LeaveGroupRequestData r) -> List.of(group(r.groupId()))));
        g.put(
                ApiKeys.DELETE_GROUPS,
                allOf(
                        auth,
                        (DeleteGroupsRequestData r) -> r.groupsNames().stream()
                                .map(name -> Check.group(AclOperation.DELETE, name))
                                .toList()));
        g.put(ApiKeys.OFFSET_DELETE, allOf(auth, (OffsetDeleteRequestData r) -> {
            List<Check> checks = new ArrayList<>();
            checks.add(Check.group(AclOperation.DELETE, r.groupId()));
            r.topics().forEach(t -> checks.add(Check.topic(AclOperation.READ, t.name())));
            return checks;
        }));

        // transactions and idempotence
        g.put(ApiKeys.INIT_PRODUCER_ID, (GatedHandler.Gate<InitProducerIdRequestData>) (ctx, r, next) -> {
            if (r.transactionalId() != null) {
                return checkAll(auth, ctx, r, next, List.of(Check.transactionalId(r.transactionalId())));
            }
            if (auth.authorizeCluster(ctx, AclOperation.IDEMPOTENT_WRITE)
                    || auth.authorizeAny(ctx, AclOperation.WRITE, ResourceType.TOPIC)) {
                return next.handle(ctx, r);
            }
            return GatedHandler.refuse(ctx, r, Errors.CLUSTER_AUTHORIZATION_FAILED);
        });
        g.put(ApiKeys.ADD_PARTITIONS_TO_TXN, allOf(auth, (AddPartitionsToTxnRequestData r) -> {
            List<Check> checks = new ArrayList<>();
            if (r.transactions().isEmpty()) {
                checks.add(Check.transactionalId(r.v3AndBelowTransactionalId()));
                r.v3AndBelowTopics().forEach(t -> checks.add(Check.topic(AclOperation.WRITE, t.name())));
            } else {
                checks.add(Check.cluster(AclOperation.CLUSTER_ACTION));
            }
            return checks;
        }));
        g.put(
                ApiKeys.ADD_OFFSETS_TO_TXN,
                allOf(
                        auth,
                        (AddOffsetsToTxnRequestData r) -> List.of(
                                Check.transactionalId(r.transactionalId()),
                                Check.group(AclOperation.READ, r.groupId()))));
        g.put(
                ApiKeys.END_TXN,
                allOf(auth, (EndTxnRequestData r) -> List.of(Check.transactionalId(r.transactionalId()))));
        g.put(ApiKeys.TXN_OFFSET_COMMIT, allOf(auth, (TxnOffsetCommitRequestData r) -> {
            List<Check> checks = new ArrayList<>();
            checks.add(Check.transactionalId(r.transactionalId()));
            checks.add(Check.group(AclOperation.READ, r.groupId()));
            r.topics().forEach(t -> checks.add(Check.topic(AclOperation.READ, t.name())));
            return checks;
        }));

        // data plane besides Produce and Fetch
        g.put(
                ApiKeys.LIST_OFFSETS,
                allOf(
                        auth,
                        (ListOffsetsRequestData r) -> r.topics().stream()
                                .map(t -> Check.topic(AclOperation.DESCRIBE, t.name()))
                                .toList()));
        g.put(
                ApiKeys.OFFSET_FOR_LEADER_EPOCH,
                allOf(
                        auth,
                        (OffsetForLeaderEpochRequestData r) -> r.replicaId() >= 0
                                ? List.of(Check.cluster(AclOperation.CLUSTER_ACTION))
                                : r.topics().stream()
                                        .map(t -> Check.topic(AclOperation.DESCRIBE, t.topic()))
                                        .toList()));
        g.put(
                ApiKeys.DELETE_RECORDS,
                allOf(
                        auth,
                        (DeleteRecordsRequestData r) -> r.topics().stream()
                                .map(t -> Check.topic(AclOperation.DELETE, t.name()))
                                .toList()));

        // administration
        g.put(
                ApiKeys.CREATE_PARTITIONS,
                allOf(
                        auth,
                        (CreatePartitionsRequestData r) -> r.topics().stream()
                                .map(t -> Check.topic(AclOperation.ALTER, t.name()))
                                .toList()));
        g.put(
                ApiKeys.DESCRIBE_CONFIGS,
                allOf(
                        auth,
                        (DescribeConfigsRequestData r) -> r.resources().stream()
                                .map(res -> configCheck(
                                        AclOperation.DESCRIBE_CONFIGS, res.resourceType(), res.resourceName()))
                                .toList()));
        g.put(
                ApiKeys.ALTER_CONFIGS,
                allOf(
                        auth,
                        (AlterConfigsRequestData r) -> r.resources().stream()
                                .map(res ->
                                        configCheck(AclOperation.ALTER_CONFIGS, res.resourceType(), res.resourceName()))
                                .toList()));
        g.put(
                ApiKeys.INCREMENTAL_ALTER_CONFIGS,
                allOf(
                        auth,
                        (IncrementalAlterConfigsRequestData r) -> r.resources().stream()
                                .map(res ->
                                        configCheck(AclOperation.ALTER_CONFIGS, res.resourceType(), res.resourceName()))
                                .toList()));

        TopicGates.register(g, auth, topics);
        GroupGates.register(g, auth);
        return g;
    }

    private static Check group(String groupId) {
        return Check.group(AclOperation.READ, groupId);
    }

    private static Check configCheck(AclOperation operation, byte resourceType, String name) {
        ConfigResource.Type type = ConfigResource.Type.forId(resourceType);
        return type == ConfigResource.Type.TOPIC ? Check.topic(operation, name) : Check.cluster(operation);
    }

    /** A gate that refuses the whole request at the first denied resource. */
    static <Req extends ApiMessage> GatedHandler.Gate<Req> allOf(
            RequestAuthorizer auth, Function<Req, List<Check>> checks) {
        return (ctx, request, next) -> checkAll(auth, ctx, request, next, checks.apply(request));
    }

    private static <Req extends ApiMessage>
            java.util.concurrent.CompletionStage<io.sluice.broker.api.ApiResponse> checkAll(
                    RequestAuthorizer auth, RequestContext ctx, Req request, ApiHandler<Req> next, List<Check> checks) {
        for (Check check : checks) {
            if (!auth.authorize(ctx, check.operation(), check.type(), check.name() == null ? "" : check.name())) {
                return GatedHandler.refuse(ctx, request, check.error());
            }
        }
        return next.handle(ctx, request);
    }
}
