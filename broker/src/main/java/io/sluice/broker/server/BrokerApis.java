package io.sluice.broker.server;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiHandlerRegistry;
import io.sluice.broker.api.handlers.AddOffsetsToTxnHandler;
import io.sluice.broker.api.handlers.AddPartitionsToTxnHandler;
import io.sluice.broker.api.handlers.AlterConfigsHandler;
import io.sluice.broker.api.handlers.AlterPartitionHandler;
import io.sluice.broker.api.handlers.AlterPartitionReassignmentsHandler;
import io.sluice.broker.api.handlers.AutoTopicCreator;
import io.sluice.broker.api.handlers.ControlledShutdownHandler;
import io.sluice.broker.api.handlers.CreatePartitionsHandler;
import io.sluice.broker.api.handlers.CreateTopicsHandler;
import io.sluice.broker.api.handlers.DeleteRecordsHandler;
import io.sluice.broker.api.handlers.DeleteTopicsHandler;
import io.sluice.broker.api.handlers.DescribeClusterHandler;
import io.sluice.broker.api.handlers.DescribeConfigsHandler;
import io.sluice.broker.api.handlers.DescribeProducersHandler;
import io.sluice.broker.api.handlers.DescribeTransactionsHandler;
import io.sluice.broker.api.handlers.ElectLeadersHandler;
import io.sluice.broker.api.handlers.EndTxnHandler;
import io.sluice.broker.api.handlers.FetchHandler;
import io.sluice.broker.api.handlers.FindCoordinatorHandler;
import io.sluice.broker.api.handlers.IncrementalAlterConfigsHandler;
import io.sluice.broker.api.handlers.InitProducerIdHandler;
import io.sluice.broker.api.handlers.ListOffsetsHandler;
import io.sluice.broker.api.handlers.ListPartitionReassignmentsHandler;
import io.sluice.broker.api.handlers.ListTransactionsHandler;
import io.sluice.broker.api.handlers.MetadataHandler;
import io.sluice.broker.api.handlers.OffsetForLeaderEpochHandler;
import io.sluice.broker.api.handlers.ProduceHandler;
import io.sluice.broker.api.handlers.TxnOffsetCommitHandler;
import io.sluice.broker.api.handlers.WriteTxnMarkersHandler;
import io.sluice.broker.config.ConfigEntityStore;
import io.sluice.broker.config.ConfigManager;
import io.sluice.broker.control.ControllerEpochTracker;
import io.sluice.broker.control.LeaderAndIsrHandler;
import io.sluice.broker.control.ReplicaControl;
import io.sluice.broker.control.StopReplicaHandler;
import io.sluice.broker.control.UpdateMetadataHandler;
import io.sluice.broker.fetch.FetchSessions;
import io.sluice.broker.fetch.PreferredReadReplicas;
import io.sluice.broker.group.GroupCoordinator;
import io.sluice.broker.group.OffsetsTopic;
import io.sluice.broker.group.api.GroupApis;
import io.sluice.broker.group.store.OffsetsTopicCreator;
import io.sluice.broker.metadata.MetadataCache;
import io.sluice.broker.metadata.TopicLeadersWaiter;
import io.sluice.broker.metrics.TopicMetrics;
import io.sluice.broker.network.client.BrokerClient;
import io.sluice.broker.network.client.BrokerClientPool;
import io.sluice.broker.producer.ProducerIdManager;
import io.sluice.broker.quota.ClientQuotaManager;
import io.sluice.broker.quota.QuotaEnforcement;
import io.sluice.broker.security.AclApis;
import io.sluice.broker.security.RequestAuthorizer;
import io.sluice.broker.security.RequestGates;
import io.sluice.broker.txn.TransactionCoordinator;
import io.sluice.controller.Controller;
import io.sluice.metadata.config.BrokerConfig;
import io.sluice.replication.partition.ReplicaManager;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotControllerException;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.server.policy.AlterConfigPolicy;

/**
 * The API handlers a broker serves, one per API key, over the broker's components. ApiVersions is derived from this
 * list by {@link ApiHandlerRegistry}.
 *
 * <p>Thread-safety: stateless factory.
 */
final class BrokerApis {
    /** Topics clients may not produce to directly (Kafka's internal topics). */
    static final Set<String> INTERNAL_TOPICS = Set.of("__consumer_offsets", "__transaction_state");

    /** How long a Metadata response waits for an auto-creation's answer before reporting LEADER_NOT_AVAILABLE. */
    static final Duration AUTO_CREATE_WAIT = Duration.ofSeconds(5);

    private BrokerApis() {}

    /**
     * The components the handlers are built over.
     *
     * @param groupCoordinator the group coordinator, whose groups and offsets live in {@value OffsetsTopic#NAME}
     * @param offsetsTopicCreator creates {@value OffsetsTopic#NAME} on first use (FindCoordinator, Metadata)
     * @param txnCoordinator the transaction coordinator, whose state lives in {@code __transaction_state}
     * @param txnTopicCreator creates {@code __transaction_state} on first use (FindCoordinator)
     * @param alterConfigPolicy {@code alter.config.policy.class.name}, if configured
     * @param authorizer {@code authorizer.class.name}'s authorizer, or none: every API is put behind its gate
     * @param fetchSessions the incremental fetch sessions (KIP-227)
     * @param preferredReadReplicas the read replica choice of {@code replica.selector.class} (KIP-392), if set
     */
    record Components(
            BrokerConfig config,
            MetadataCache cache,
            ControllerEpochTracker tracker,
            ReplicaControl replicaControl,
            ReplicaManager replicaManager,
            ConfigManager configManager,
            ConfigEntityStore entityStore,
            Controller controller,
            AutoTopicCreator autoTopicCreator,
            ProducerIdManager producerIds,
            TopicMetrics topicMetrics,
            GroupCoordinator groupCoordinator,
            OffsetsTopicCreator offsetsTopicCreator,
            TransactionCoordinator txnCoordinator,
            OffsetsTopicCreator txnTopicCreator,
            Optional<AlterConfigPolicy> alterConfigPolicy,
            RequestAuthorizer authorizer,
            FetchSessions fetchSessions,
            Optional<PreferredReadReplicas> preferredReadReplicas) {}

    static ApiHandlerRegistry registry(Components c) {
        return registry(c, List.of());
    }

    /**
     * The registry with {@code securityHandlers} (SaslHandshake, SaslAuthenticate and the SCRAM credential APIs) added.
     */
    static ApiHandlerRegistry registry(Components c, List<ApiHandler<?>> securityHandlers) {
        return registry(c, securityHandlers, ClientQuotaManager.NONE, Clock.systemUTC());
    }

    /**
     * The registry with {@code securityHandlers} added and Produce and Fetch measured against {@code quotas} (outside
     * the authorization gates, so refused requests count too, as in Kafka).
     */
    static ApiHandlerRegistry registry(
            Components c, List<ApiHandler<?>> securityHandlers, ClientQuotaManager quotas, Clock clock) {
        int brokerId = c.config().brokerId();
        MetadataCache cache = c.cache();
        Predicate<TopicPartition> known = tp -> cache.partitionState(tp).isPresent();
        // a follower may fetch a partition this broker leads before UpdateMetadata (sent after LeaderAndIsr) arrives
        Predicate<TopicPartition> hostedOrKnown =
                tp -> c.replicaManager().partition(tp).isPresent() || known.test(tp);
        ReplicaManager replicas = c.replicaManager();
        Controller controller = c.controller();
        OffsetsTopicCreator offsetsTopic = c.offsetsTopicCreator();
        // a client asking for the offsets topic by name gets it with its own settings, not the auto-create defaults
        AutoTopicCreator autoCreator = topic -> OffsetsTopic.NAME.equals(topic)
                ? offsetsTopic.create()
                : c.autoTopicCreator().create(topic);
        IncrementalAlterConfigsHandler alterConfigs =
                new IncrementalAlterConfigsHandler(c.configManager(), c.entityStore(), c.alterConfigPolicy());
        List<ApiHandler<?>> handlers = new ArrayList<>(List.of(
                // control plane from the controller
                new UpdateMetadataHandler(c.tracker(), cache),
                new LeaderAndIsrHandler(c.tracker(), c.replicaControl()),
                new StopReplicaHandler(c.tracker(), c.replicaControl()),
                // cluster metadata and configs
                new MetadataHandler(cache, c.config().autoCreateTopicsEnable(), autoCreator, AUTO_CREATE_WAIT),
                new DescribeClusterHandler(cache),
                new DescribeConfigsHandler(c.configManager(), c.entityStore(), c.entityStore()::topicExists),
                alterConfigs,
                new AlterConfigsHandler(alterConfigs),
                // data plane
                new InitProducerIdHandler(c.producerIds(), c.txnCoordinator()::initProducerId),
                new AddPartitionsToTxnHandler(c.txnCoordinator(), known),
                new EndTxnHandler(c.txnCoordinator()),
                new AddOffsetsToTxnHandler(c.txnCoordinator()),
                new DescribeTransactionsHandler(c.txnCoordinator()),
                new ListTransactionsHandler(c.txnCoordinator()),
                new DescribeProducersHandler(replicas::partition, known),
                new TxnOffsetCommitHandler(c.groupCoordinator(), known),
                new WriteTxnMarkersHandler(replicas::appendTxnMarkers, c.groupCoordinator()::completeTransaction),
                new ProduceHandler(
                        brokerId, replicas::appendRecords, known, INTERNAL_TOPICS::contains, c.topicMetrics()),
                new FetchHandler(
                        brokerId,
                        replicas::fetchMessages,
                        id -> cache.snapshot().topicName(id).or(() -> replicas.topicName(id)),
                        hostedOrKnown,
                        c.topicMetrics(),
                        c.fetchSessions(),
                        c.preferredReadReplicas()),
                new ListOffsetsHandler(replicas::listOffsets, known),
                new OffsetForLeaderEpochHandler(replicas::lastOffsetForLeaderEpoch, known),
                new DeleteRecordsHandler(replicas::deleteRecords, known),
                // consumer groups
                new FindCoordinatorHandler(cache, offsetsTopic::create, c.txnTopicCreator()::create),
                // fronting the controller
                CreateTopicsHandler.forBroker(
                        controller,
                        c.config(),
                        c.configManager()::dynamicBrokerConfig,
                        TopicLeadersWaiter.over(cache)::awaitLeaders,
                        () -> c.configManager().effectiveBrokerConfig().partitionLimits()),
                new DeleteTopicsHandler(
                        controller,
                        c.config().deleteTopicEnable(),
                        id -> cache.snapshot().topicName(id)),
                new CreatePartitionsHandler(controller),
                new ElectLeadersHandler(controller),
                new AlterPartitionReassignmentsHandler(controller),
                new ListPartitionReassignmentsHandler(controller),
                new AlterPartitionHandler(controller),
                new ControlledShutdownHandler(controller)));
        handlers.addAll(GroupApis.handlers(c.groupCoordinator(), known));
        handlers.addAll(securityHandlers);
        handlers.addAll(AclApis.handlers(c.authorizer()));
        return ApiHandlerRegistry.of(QuotaEnforcement.wrap(
                RequestGates.wrap(
                        handlers,
                        c.authorizer(),
                        new RequestGates.Topics(id -> cache.snapshot().topicName(id), cache::contains)),
                quotas,
                clock));
    }

    /**
     * Sends CreateTopics to the active controller: straight to {@link Controller#createTopics} when this broker is
     * the controller, else over the broker client pool to the controller the metadata names (a
     * {@link NotControllerException} when none is known).
     */
    static OffsetsTopicCreator.ControllerCreateTopics controllerCreateTopics(
            Controller controller, MetadataCache cache, BrokerClientPool brokerPool, Duration timeout) {
        return request -> {
            if (controller.isActive()) {
                return controller.createTopics(request, false);
            }
            OptionalInt controllerId = cache.controllerId();
            Optional<BrokerClient> client =
                    controllerId.isPresent() ? brokerPool.client(controllerId.getAsInt()) : Optional.empty();
            if (client.isEmpty()) {
                return CompletableFuture.failedFuture(new NotControllerException("no controller is known"));
            }
            return client.get()
                    .sendLatest(ApiKeys.CREATE_TOPICS, (short) 2, (short) 7, request, timeout.plusSeconds(5))
                    .thenApply(response -> (CreateTopicsResponseData) response);
        };
    }
}
