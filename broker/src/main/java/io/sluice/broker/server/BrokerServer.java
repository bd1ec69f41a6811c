package io.sluice.broker.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.sluice.broker.adapter.MetadataClientPoolUpdater;
import io.sluice.broker.adapter.NetworkAlterPartitionSender;
import io.sluice.broker.adapter.NetworkBrokerChannel;
import io.sluice.broker.adapter.NetworkLeaderEndpointFactory;
import io.sluice.broker.adapter.NetworkMarkerChannel;
import io.sluice.broker.adapter.ReplicaManagerControl;
import io.sluice.broker.adapter.ReplicaOffsetsLog;
import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.config.ConfigEntityStore;
import io.sluice.broker.config.ConfigManager;
import io.sluice.broker.control.ControllerEpochTracker;
import io.sluice.broker.control.OffsetsLeadershipControl;
import io.sluice.broker.fetch.FetchSessionCache;
import io.sluice.broker.fetch.FetchSessionMetrics;
import io.sluice.broker.fetch.FetchSessions;
import io.sluice.broker.fetch.PreferredReadReplicas;
import io.sluice.broker.group.GroupConfig;
import io.sluice.broker.group.GroupCoordinator;
import io.sluice.broker.group.GroupMetrics;
import io.sluice.broker.group.GroupScheduler;
import io.sluice.broker.group.GroupStore;
import io.sluice.broker.group.OffsetsPartitionListener;
import io.sluice.broker.group.OffsetsTopic;
import io.sluice.broker.group.store.LogGroupStore;
import io.sluice.broker.group.store.OffsetsTopicCreator;
import io.sluice.broker.metadata.MetadataCache;
import io.sluice.broker.metrics.JvmMetrics;
import io.sluice.broker.metrics.LatencyHistograms;
import io.sluice.broker.metrics.MetricsHttpServer;
import io.sluice.broker.metrics.ThreadLivenessMetrics;
import io.sluice.broker.metrics.ThreadLivenessMetrics.Kind;
import io.sluice.broker.metrics.TopicMetrics;
import io.sluice.broker.network.ConnectionPrincipals;
import io.sluice.broker.network.NetworkServer;
import io.sluice.broker.network.client.BrokerClient;
import io.sluice.broker.network.client.BrokerClientConfig;
import io.sluice.broker.network.client.BrokerClientPool;
import io.sluice.broker.network.client.ClientEventLoops;
import io.sluice.broker.network.client.ClientMetrics;
import io.sluice.broker.network.client.ClientSecurity;
import io.sluice.broker.producer.ProducerIdManager;
import io.sluice.broker.quota.ClientQuotaHandlers;
import io.sluice.broker.quota.ClientQuotaManager;
import io.sluice.broker.quota.ClientQuotaMetrics;
import io.sluice.broker.quota.QuotaCache;
import io.sluice.broker.quota.QuotaStore;
import io.sluice.broker.registration.BrokerRegistration;
import io.sluice.broker.registration.HolderProbe;
import io.sluice.broker.remote.RemoteStoragePlugins;
import io.sluice.broker.security.AuthorizerLoader;
import io.sluice.broker.security.InterBrokerSecurity;
import io.sluice.broker.security.ListenerSecurity;
import io.sluice.broker.security.RequestAuthorizer;
import io.sluice.broker.security.SaslMetrics;
import io.sluice.broker.security.SaslOutOfBandHandlers;
import io.sluice.broker.security.ScramCredentialStore;
import io.sluice.broker.security.ScramCredentialsHandlers;
import io.sluice.broker.txn.TransactionCoordinator;
import io.sluice.broker.txn.TransactionMetrics;
import io.sluice.broker.txn.TransactionStateTopic;
import io.sluice.broker.ui.ClusterPage;
import io.sluice.broker.ui.ClusterView;
import io.sluice.broker.ui.GroupSummaries;
import io.sluice.controller.Controller;
import io.sluice.controller.ControllerConfig;
import io.sluice.controller.TopicRules;
import io.sluice.metadata.concurrent.GuardedScheduledExecutor;
import io.sluice.metadata.concurrent.Threads;
import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.config.BrokerConfigKeys;
import io.sluice.metadata.config.Plugins;
import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.zk.ZkClientSecurity;
import io.sluice.metadata.zk.ZkClients;
import io.sluice.metadata.zk.ZkStore;
import io.sluice.replication.fetcher.ReplicaFetcherManager;
import io.sluice.replication.log.LogCompactor;
import io.sluice.replication.log.LogManager;
import io.sluice.replication.log.LogMetrics;
import io.sluice.replication.log.UnifiedLog;
import io.sluice.replication.partition.Partition;
import io.sluice.replication.partition.ReplicaManager;
import io.sluice.replication.purgatory.Time;
import io.sluice.replication.quota.ReplicationQuotaManager;
import io.sluice.replication.remote.RemoteLogManager;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.kafka.common.ClusterResource;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.replica.ReplicaSelector;
import org.apache.kafka.common.security.auth.KafkaPrincipalBuilder;
import org.apache.kafka.server.authorizer.Authorizer;
import org.apache.kafka.server.authorizer.AuthorizerServerInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Sluice broker: wires storage, ZooKeeper, replication, the controller candidate and the Kafka-protocol server,
 * and owns their lifecycle.
 *
 * <pre>
 *  NOT_STARTED ─startup()─▶ STARTING ─▶ RUNNING ─shutdown()/halt()─▶ SHUTTING_DOWN ─▶ SHUT_DOWN
 *                              └─── failure: stop what was started, rethrow ───────────────▲
 * </pre>
 *
 * <p><b>Startup order.</b> Log dirs ({@link LogManager}, recovering logs without a clean-shutdown marker) → ZooKeeper
 * (Curator with the chroot as namespace, persistent paths, cluster id) → {@link ConfigManager} (initial load) →
 * outbound client pools → {@link ReplicaManager} (with fetchers and the AlterPartition sender) and the live topic
 * config updater → API handlers and {@link NetworkServer} → registration in {@code /brokers/ids/N}, advertising the
 * bound ports (port 0 becomes the real port) → controller candidacy. A failure stops everything started so far in
 * reverse order and is rethrown as a {@link BrokerStartupException} carrying the cause (for example
 * {@code BrokerIdConflictException} or a bind failure).
 *
 * <p><b>Shutdown order</b> ({@link #shutdown()}): controlled shutdown (if {@code controlled.shutdown.enable}: the
 * controller moves this broker's leaderships away; {@code controlled.shutdown.max.retries} requests at most,
 * {@code controlled.shutdown.retry.backoff.ms} apart, each bounded by {@code request.timeout.ms}, after which the
 * broker stops anyway, as the last live broker of a cluster must) →
 * controller (resigns) → deregistration → network (drains in-flight responses) → replica manager (fetchers stop, high
 * watermarks checkpointed) → client pools and event loops → config manager → Curator → log manager (flush,
 * checkpoints, clean-shutdown marker) → executors.
 *
 * <p><b>Halt</b> ({@link #halt()}, for tests): the Curator client is closed first, so the ZooKeeper session ends and
 * the ephemeral {@code /brokers/ids/N} and {@code /controller} disappear as after a crash (no controlled shutdown, no
 * deregistration, no resignation). The logs are closed without flush, checkpoints or the clean-shutdown marker, so the
 * next start runs recovery. An in-JVM halt cannot lose page-cache data the way a real {@code kill -9} of a machine
 * can: whatever was written to the files survives. The replica manager still writes its high-watermark checkpoint and
 * producer snapshots when stopped (it has no crash-stop); recovery does not depend on either.
 *
 * <p><b>Concurrency.</b> The lifecycle is a compare-and-set on {@link State}; {@link #startup()} runs once,
 * {@link #shutdown()} and {@link #halt()} are safe to call more than once and from any thread (later callers return
 * at once; {@link #awaitShutdown()} waits for the end). Component fields are written by the starting thread before
 * the state becomes {@code RUNNING} and read afterwards through the volatile state; they are never replaced.
 */
public final class BrokerServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerServer.class);

    private static final int SCHEDULER_THREADS = 2;
    private static final int IO_THREADS = 2;
    private static final int CLIENT_EVENT_LOOP_THREADS = 2;
    private static final Duration PURGATORY_REAPER_POLL = Duration.ofMillis(10);
    /** How often the per-partition log size gauges follow the hosted logs. */
    private static final Duration LOG_METRICS_REFRESH = Duration.ofSeconds(5);

    /** Lifecycle states; each names where it may come from. */
    public enum State {
        /** Constructed. */
        NOT_STARTED,
        /** From NOT_STARTED. */
        STARTING,
        /** From STARTING. */
        RUNNING,
        /** From STARTING (failed startup) or RUNNING. */
        SHUTTING_DOWN,
        /** From SHUTTING_DOWN. */
        SHUT_DOWN
    }

    private final BrokerConfig config;
    private final Clock clock;
    private final MeterRegistry registry;
    private final Random random;
    private final int brokerId;
    private final String logPrefix;
    private final AtomicReference<State> state = new AtomicReference<>(State.NOT_STARTED);
    private final CountDownLatch shutDown = new CountDownLatch(1);
    private final AtomicReference<Throwable> fatalError = new AtomicReference<>();

    private volatile GuardedScheduledExecutor scheduler;
    private volatile ExecutorService ioExecutor;
    private volatile LogManager logManager;
    private volatile CuratorFramework curator;
    private volatile ZkStore store;
    private volatile MetadataCache cache;
    private volatile ConfigManager configManager;
    private volatile ClientEventLoops clientLoops;
    private volatile BrokerClientPool controllerPool;
    private volatile BrokerClientPool brokerPool;
    private volatile ReplicaManager replicaManager;
    private volatile ReplicationQuotaManager leaderQuota;
    private volatile ReplicationQuotaManager followerQuota;
    private volatile RemoteLogManager remoteLogManager;
    private volatile Controller controller;
    private volatile AdminPolicies policies;
    private volatile Authorizer authorizer;
    /** {@code replica.selector.class}, if configured (KIP-392). */
    private volatile Optional<ReplicaSelector> replicaSelector = Optional.empty();

    private volatile GroupCoordinator groupCoordinator;
    private volatile TransactionCoordinator txnCoordinator;
    private volatile NetworkServer networkServer;
    private volatile ExecutorService credentialLookups;
    private volatile QuotaCache quotaCache;
    private volatile BrokerRegistration registration;
    private volatile JvmMetrics jvmMetrics;
    private volatile MetricsHttpServer metricsServer;
    private volatile ThreadLivenessMetrics liveness;
    private volatile LogMetrics logMetrics;
    private volatile BrokerHealth health;

    public BrokerServer(BrokerConfig config, Clock clock, MeterRegistry registry) {
        this(config, clock, registry, new Random());
    }

    /** @param random drives the controller's replica placement and topic ids */
    public BrokerServer(BrokerConfig config, Clock clock, MeterRegistry registry, Random random) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.random = Objects.requireNonNull(random, "random");
        this.brokerId = config.brokerId();
        this.logPrefix = "[BrokerServer broker=" + brokerId + "]";
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * Starts the broker (blocking until it is registered and its controller candidacy has begun).
     *
     * @throws IllegalStateException if called twice
     * @throws BrokerStartupException if a component fails to start; everything started is stopped again
     */
    public void startup() {
        if (!state.compareAndSet(State.NOT_STARTED, State.STARTING)) {
            throw new IllegalStateException(logPrefix + " cannot start in state " + state.get());
        }
        log.info("{} starting", logPrefix);
        try {
            startComponents();
        } catch (RuntimeException | Error e) {
            log.error("{} startup failed, stopping what was started: {}", logPrefix, e.toString());
            state.set(State.SHUTTING_DOWN);
            stopComponents(true);
            finish();
            throw new BrokerStartupException(logPrefix + " failed to start: " + e.getMessage(), e);
        }
        if (!state.compareAndSet(State.STARTING, State.RUNNING)) {
            // a fatal error during startup already began the shutdown
            throw new BrokerStartupException(logPrefix + " stopped during startup", fatalError.get());
        }
        log.info(
                "{} started: listening on {}, cluster {}, broker epoch {}",
                logPrefix,
                networkServer.boundEndpoints(),
                cache.clusterId(),
                registration.brokerEpoch());
    }

    private void startComponents() {
        // before anything touches the disks: an unusable ZooKeeper security setting stops the broker at once
        ZkClientSecurity zkSecurity = ZkClientSecurity.fromProperties(config.originals());
        zkSecurity.requireIdentityForAcls();
        LatencyHistograms.applyTo(registry);
        jvmMetrics = JvmMetrics.bindTo(registry);
        scheduler = GuardedScheduledExecutor.create("sluice-scheduler-" + brokerId, SCHEDULER_THREADS);
        ioExecutor = Executors.newFixedThreadPool(IO_THREADS, Threads.daemonFactory("sluice-io-" + brokerId));

        LogManager logs = new LogManager(
                config.logDirs(),
                TopicSettingsMapping.brokerDefaults(config),
                BrokerConfigMapping.logManagerConfig(config),
                clock,
                scheduler);
        // the cleaner compacts only below the high watermark; nothing of a log without a partition yet
        logs.setCleanerUpperBound(tp -> {
            ReplicaManager replicas = replicaManager;
            return replicas == null
                    ? 0L
                    : replicas.partition(tp).map(Partition::highWatermark).orElse(0L);
        });
        logs.failureChannel().setListener(this::onLogDirFailure);
        logs.startup();
        logManager = logs;
        LogMetrics sizes = new LogMetrics(registry, logs);
        logMetrics = sizes;
        scheduler.scheduleWithFixedDelay(
                sizes::refresh, LOG_METRICS_REFRESH.toMillis(), LOG_METRICS_REFRESH.toMillis(), TimeUnit.MILLISECONDS);

        curator = ZkClients.newClient(
                config.zookeeperConnect(),
                config.zookeeperSessionTimeoutMs(),
                config.zookeeperConnectionTimeoutMs(),
                zkSecurity);
        log.info("{} ZooKeeper client security: {}", logPrefix, zkSecurity);
        curator.start();
        awaitZooKeeper();
        store = new ZkStore(curator);
        store.ensurePersistentPaths();
        String clusterId = store.getOrCreateClusterId(() -> Uuid.randomUuid().toString());
        cache = new MetadataCache(brokerId, clusterId);

        ConfigManager configs = new ConfigManager(config, store);
        configs.start();
        configManager = configs;

        String interBroker = config.interBrokerListenerName();
        ClientMetrics clientMetrics = new ClientMetrics(registry);
        clientLoops = ClientEventLoops.create(CLIENT_EVENT_LOOP_THREADS, "sluice-client-" + brokerId, true);
        BrokerClientConfig clientConfig = BrokerClientConfig.defaults(brokerId);
        ClientSecurity clientSecurity = InterBrokerSecurity.of(config, new SecureRandom());
        controllerPool = BrokerClientPool.create(clientConfig, clientLoops, clientMetrics, clientSecurity);
        brokerPool = BrokerClientPool.create(clientConfig, clientLoops, clientMetrics, clientSecurity);
        cache.addListener(new MetadataClientPoolUpdater(brokerPool, interBroker));

        int quotaSamples = config.get(BrokerConfigKeys.REPLICATION_QUOTA_WINDOW_NUM);
        long quotaSampleMs = config.get(BrokerConfigKeys.REPLICATION_QUOTA_WINDOW_SIZE_SECONDS) * 1000L;
        ReplicationQuotaManager leaderThrottle = new ReplicationQuotaManager(
                ReplicationQuotaManager.Side.LEADER, brokerId, quotaSamples, quotaSampleMs, clock, registry);
        leaderQuota = leaderThrottle;
        ReplicationQuotaManager followerThrottle = new ReplicationQuotaManager(
                ReplicationQuotaManager.Side.FOLLOWER, brokerId, quotaSamples, quotaSampleMs, clock, registry);
        followerQuota = followerThrottle;
        new ReplicationThrottles(brokerId, configs, leaderThrottle, followerThrottle).start();

        ReplicaFetcherManager fetchers = new ReplicaFetcherManager(
                brokerId,
                this::brokerEpoch,
                BrokerConfigMapping.fetcherConfig(config),
                new NetworkLeaderEndpointFactory(
                        cache,
                        interBroker,
                        address -> new BrokerClient(address, clientConfig, clientLoops, clientMetrics, clientSecurity),
                        Duration.ofMillis((long) config.replicaFetchWaitMaxMs() + config.requestTimeoutMs())),
                clock,
                registry,
                followerThrottle);
        ReplicaManager replicas = new ReplicaManager(
                BrokerConfigMapping.replicaManagerConfig(config),
                logs,
                fetchers,
                new NetworkAlterPartitionSender(
                        cache, brokerPool, Duration.ofMillis(config.requestTimeoutMs()), 5, Duration.ofMillis(100)),
                this::brokerEpoch,
                scheduler,
                clock,
                Time.SYSTEM,
                PURGATORY_REAPER_POLL,
                registry,
                leaderThrottle);
        RemoteLogManager tiered = RemoteStoragePlugins.create(
                        config, clusterId, curator, replicas::topicId, clock, registry)
                .orElse(null);
        remoteLogManager = tiered;
        if (tiered != null) {
            replicas.setTieredStorage(tiered);
        }
        replicas.startup();
        replicaManager = replicas;
        LiveTopicConfigUpdater topicConfigUpdater = new LiveTopicConfigUpdater(brokerId, configs, replicas, logs);
        configs.addListener(topicConfigUpdater);

        AdminPolicies adminPolicies = AdminPolicies.load(config);
        policies = adminPolicies;
        controller = new Controller(
                ControllerConfig.from(config),
                store,
                new NetworkBrokerChannel(
                        controllerPool, interBroker, Duration.ofMillis(config.controllerSocketTimeoutMs())),
                registry,
                clock,
                random,
                new TopicRules(() -> configs.effectiveBrokerConfig().partitionLimits(), adminPolicies.createTopic()));
        ControllerEpochTracker tracker = new ControllerEpochTracker(brokerId, this::brokerEpoch);

        // Consumer groups: the coordinator keeps them in __consumer_offsets and loads a partition's groups when this
        // broker becomes its leader (LeaderAndIsr tells it through the offsets leadership hook).
        GroupStore groupStore = new LogGroupStore(
                brokerId,
                new ReplicaOffsetsLog(brokerId, replicas, logs, cache, config.offsetsTopicNumPartitions()),
                clock,
                config.offsetsCommitTimeoutMs());
        groupCoordinator = new GroupCoordinator(
                brokerId, GroupConfig.from(config), groupStore, clock, GroupScheduler.threads(brokerId));
        groupCoordinator.startup();
        GroupMetrics.register(registry, groupCoordinator);
        OffsetsPartitionListener offsetsListener = groupCoordinator;
        OffsetsTopicCreator.ControllerCreateTopics toController = BrokerApis.controllerCreateTopics(
                controller, cache, brokerPool, Duration.ofMillis(config.requestTimeoutMs()));
        OffsetsTopicCreator offsetsTopicCreator = new OffsetsTopicCreator(
                brokerId,
                config.offsetsTopicNumPartitions(),
                config.offsetsTopicReplicationFactor(),
                config.offsetsTopicSegmentBytes(),
                config.requestTimeoutMs(),
                () -> cache.aliveBrokers().size(),
                toController);

        // Transactions: the coordinator keeps transactional ids in __transaction_state and loads a partition's ids
        // when this broker becomes its leader, like the group coordinator.
        ProducerIdManager producerIds = ProducerIdManager.zooKeeper(brokerId, store, ioExecutor);
        txnCoordinator = new TransactionCoordinator(
                brokerId,
                new ReplicaOffsetsLog(
                        brokerId,
                        TransactionStateTopic.NAME,
                        replicas,
                        logs,
                        cache,
                        config.transactionStateLogNumPartitions()),
                producerIds,
                new NetworkMarkerChannel(
                        brokerId,
                        replicas,
                        cache,
                        brokerPool,
                        Duration.ofMillis(config.requestTimeoutMs()),
                        groupCoordinator::completeTransaction),
                clock,
                config.transactionMaxTimeoutMs(),
                config.requestTimeoutMs(),
                config.transactionAbortTimedOutCleanupIntervalMs(),
                () -> cache.numPartitions(OffsetsTopic.NAME).orElse(config.offsetsTopicNumPartitions()),
                config.transactionalIdExpirationMs(),
                config.transactionRemoveExpiredCleanupIntervalMs());
        txnCoordinator.startup();
        TransactionMetrics.register(registry, txnCoordinator);
        OffsetsTopicCreator txnTopicCreator = new OffsetsTopicCreator(
                brokerId,
                TransactionStateTopic.NAME,
                Map.of("min.insync.replicas", Integer.toString(config.transactionStateLogMinIsr())),
                config.transactionStateLogNumPartitions(),
                config.transactionStateLogReplicationFactor(),
                config.transactionStateLogSegmentBytes(),
                config.requestTimeoutMs(),
                () -> cache.aliveBrokers().size(),
                toController);

        BrokerApis.Components components = new BrokerApis.Components(
                config,
                cache,
                tracker,
                new OffsetsLeadershipControl(
                        brokerId,
                        TransactionStateTopic.NAME,
                        new OffsetsLeadershipControl(
                                brokerId,
                                new ConfigCatchUpControl(
                                        new ReplicaManagerControl(
                                                replicas,
                                                topic ->
                                                        TopicSettingsMapping.topicSettings(configs.topicConfig(topic))),
                                        topicConfigUpdater),
                                offsetsListener),
                        txnCoordinator),
                replicas,
                configs,
                new ConfigEntityStore(store),
                controller,
                new ControllerAutoTopicCreator(
                        brokerId,
                        toController,
                        config.numPartitions(),
                        (short) config.defaultReplicationFactor(),
                        Duration.ofMillis(config.requestTimeoutMs())),
                producerIds,
                new TopicMetrics(registry),
                groupCoordinator,
                offsetsTopicCreator,
                txnCoordinator,
                txnTopicCreator,
                adminPolicies.alterConfig(),
                startAuthorizer(clusterId),
                fetchSessions(),
                preferredReadReplicas(replicas));
        credentialLookups =
                Executors.newSingleThreadExecutor(new DefaultThreadFactory("sluice-scram-" + brokerId, true));
        ScramCredentialStore credentials = new ScramCredentialStore(store, credentialLookups);
        List<ApiHandler<?>> securityHandlers = new ArrayList<>(SaslOutOfBandHandlers.all());
        securityHandlers.addAll(ScramCredentialsHandlers.all(credentials));
        QuotaStore quotaStore = new QuotaStore(store);
        quotaCache = new QuotaCache(quotaStore, brokerId, Duration.ofSeconds(1));
        quotaCache.start();
        securityHandlers.addAll(ClientQuotaHandlers.all(quotaStore));
        ClientQuotaManager clientQuotas = new ClientQuotaManager(
                quotaCache::quotas,
                config.quotaWindowNum(),
                config.quotaWindowSizeSeconds() * 1000L,
                new ClientQuotaMetrics(registry));
        networkServer = new NetworkServer(
                        brokerId,
                        BrokerConfigMapping.networkConfig(config),
                        BrokerApis.registry(components, securityHandlers, clientQuotas, clock),
                        registry,
                        clock,
                        Duration.ofSeconds(10),
                        ListenerSecurity.forListeners(
                                config, credentials, new SecureRandom(), new SaslMetrics(registry)))
                .principals(connectionPrincipals());
        networkServer.start();

        BrokerInfo self = new BrokerInfo(
                brokerId,
                BrokerConfigMapping.advertisedEndpoints(networkServer, config),
                config.rack(),
                BrokerInfo.UNKNOWN_EPOCH);
        // A restart right after a crash finds the dead incarnation's znode until ZooKeeper expires its session; our
        // listeners are already bound, so probing the holder skips the endpoints we advertise ourselves.
        registration = new BrokerRegistration(
                store,
                self,
                clock,
                this::onFatalError,
                Duration.ofSeconds(1),
                Duration.ofMillis(config.zookeeperSessionTimeoutMs() + 2_000L),
                HolderProbe.excluding(self.endpoints(), HolderProbe.TCP));
        registration.register();

        controller.startup();
        watchThreads(fetchers, replicas, logs);
        startMetricsEndpoint();
    }

    /** Liveness meters over the must-not-die threads, and the health check (see {@link BrokerHealth}). */
    private void watchThreads(ReplicaFetcherManager fetchers, ReplicaManager replicas, LogManager logs) {
        ThreadLivenessMetrics threads = new ThreadLivenessMetrics(registry);
        threads.watch(Kind.REPLICA_FETCHER, fetchers::threadStatuses);
        threads.watch(Kind.PURGATORY_REAPER, replicas::purgatoryThreadStatuses);
        threads.watch(
                Kind.LOG_CLEANER,
                () -> logs.cleaner().map(LogCompactor::threadStatuses).orElse(List.of()));
        threads.watch(Kind.CONTROLLER_EVENT, controller::eventThreadStatuses);
        threads.watch(Kind.SCHEDULER, controller::schedulerStatuses);
        threads.watch(scheduler);
        liveness = threads;
        health = new BrokerHealth(
                brokerId,
                config.replicaLagTimeMaxMs(),
                this::lifecycleProblem,
                threads::dead,
                fetchers::fetcherStatuses,
                cache::snapshot);
    }

    /**
     * Serves {@code /metrics} and {@code /health} on {@code metrics.port} (0 turns it off), bound to the host of the
     * first listener (all interfaces when that host is empty), when the registry is a Prometheus one.
     */
    private void startMetricsEndpoint() {
        int port = config.metricsPort();
        if (port == 0) {
            return;
        }
        if (!(registry instanceof PrometheusMeterRegistry prometheus)) {
            log.info("{} metrics.port={} ignored: the meter registry is not a Prometheus registry", logPrefix, port);
            return;
        }
        String host = config.listeners().get(0).host();
        InetSocketAddress bind =
                host == null || host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
        MetricsHttpServer server = new MetricsHttpServer(brokerId, bind, prometheus, this::healthProblem);
        ClusterPage page = clusterPage();
        server.addPage(ClusterPage.PAGE_PATH, ClusterPage.HTML_CONTENT_TYPE, page::html);
        server.addPage(ClusterPage.JSON_PATH, ClusterPage.JSON_CONTENT_TYPE, page::json);
        server.start();
        metricsServer = server;
        log.info("{} metrics and health on http://{}:{}/metrics", logPrefix, bind.getHostString(), server.port());
    }

    /**
     * The cluster page on the metrics port: this broker's metadata snapshot and the groups it coordinates, with lag
     * from the high watermarks of the partitions it leads (local reads only).
     */
    private ClusterPage clusterPage() {
        GroupSummaries groups = new GroupSummaries(brokerId, () -> groupCoordinator, tp -> {
            ReplicaManager replicas = replicaManager;
            if (replicas == null) {
                return OptionalLong.empty();
            }
            return replicas.partition(tp)
                    .filter(Partition::isLeader)
                    .map(p -> OptionalLong.of(p.highWatermark()))
                    .orElse(OptionalLong.empty());
        });
        MetadataCache metadata = cache;
        return new ClusterPage(new ClusterView(brokerId, metadata::snapshot, groups), clock);
    }

    /** The bound metrics port, or -1 when the endpoint is off. */
    public int metricsPort() {
        MetricsHttpServer server = metricsServer;
        return server == null ? -1 : server.port();
    }

    /**
     * Why the broker is not healthy, empty when it is (see {@link BrokerHealth}): running and registered in ZooKeeper,
     * no must-not-die thread dead, no replica fetcher stuck for longer than {@code replica.lag.time.max.ms}, and in the
     * ISR of every partition it replicates that has a leader.
     */
    public Optional<String> healthProblem() {
        BrokerHealth checks = health;
        return checks == null ? lifecycleProblem() : checks.problem();
    }

    private Optional<String> lifecycleProblem() {
        if (state.get() != State.RUNNING) {
            return Optional.of("broker is " + state.get());
        }
        if (registration == null || registration.registered().isEmpty()) {
            return Optional.of("not registered in ZooKeeper");
        }
        return Optional.empty();
    }

    /**
     * Stops the broker: controlled shutdown first (if enabled), then every component in reverse start order. Blocks
     * until done; a second call (or one during another's shutdown) returns at once.
     */
    public void shutdown() {
        if (!beginStop()) {
            return;
        }
        log.info("{} shutting down", logPrefix);
        if (config.controlledShutdownEnable()) {
            controlledShutdown();
        }
        stopComponents(true);
        finish();
        log.info("{} shut down", logPrefix);
    }

    /** As {@link #shutdown()}. */
    @Override
    public void close() {
        shutdown();
    }

    /**
     * Stops the broker abruptly, as close to a crash as an in-JVM stop can be (see the class comment): no controlled
     * shutdown, no deregistration, no flush, no clean-shutdown marker.
     */
    public void halt() {
        if (!beginStop()) {
            return;
        }
        log.warn("{} halting", logPrefix);
        stopComponents(false);
        finish();
        log.warn("{} halted", logPrefix);
    }

    /** Waits until the broker has stopped (after a shutdown, halt, failed startup or fatal error). */
    public void awaitShutdown() throws InterruptedException {
        shutDown.await();
    }

    private boolean beginStop() {
        while (true) {
            State current = state.get();
            if (current == State.SHUTTING_DOWN || current == State.SHUT_DOWN) {
                return false;
            }
            if (current == State.NOT_STARTED) {
                if (state.compareAndSet(current, State.SHUT_DOWN)) {
                    shutDown.countDown();
                    return false;
                }
            } else if (state.compareAndSet(current, State.SHUTTING_DOWN)) {
                return true;
            }
        }
    }

    private void finish() {
        state.set(State.SHUT_DOWN);
        shutDown.countDown();
    }

    private void controlledShutdown() {
        if (controller == null || cache == null || brokerPool == null || registration == null) {
            return;
        }
        new ControlledShutdownClient(
                        brokerId,
                        this::brokerEpoch,
                        controller,
                        cache,
                        brokerPool,
                        Duration.ofMillis(config.requestTimeoutMs()),
                        config.controlledShutdownMaxRetries(),
                        Duration.ofMillis(config.controlledShutdownRetryBackoffMs()))
                .run();
    }

    /**
     * Stops every component that was started, in reverse start order. {@code clean=false} (halt) ends the ZooKeeper
     * session first and leaves the logs unflushed and without the clean-shutdown marker.
     */
    private Optional<PreferredReadReplicas> preferredReadReplicas(ReplicaManager replicas) {
        replicaSelector =
                Plugins.newConfiguredInstance(config, BrokerConfigKeys.REPLICA_SELECTOR_CLASS, ReplicaSelector.class);
        replicaSelector.ifPresent(s -> log.info(
                "[Broker {}] consumers with client.rack are sent their preferred read replica by {}",
                brokerId,
                s.getClass().getName()));
        return replicaSelector.map(s -> new PreferredReadReplicas(brokerId, s, replicas, cache, clock));
    }

    private FetchSessions fetchSessions() {
        FetchSessionMetrics metrics = new FetchSessionMetrics(registry);
        return new FetchSessions(
                brokerId,
                new FetchSessionCache(
                        config.maxIncrementalFetchSessionCacheSlots(),
                        FetchSessionCache.DEFAULT_EVICTION_MS,
                        clock,
                        random,
                        metrics),
                metrics);
    }

    private void stopComponents(boolean clean) {
        quietly("metrics endpoint", metricsServer, MetricsHttpServer::close);
        quietly("thread liveness meters", liveness, ThreadLivenessMetrics::close);
        quietly("log size meters", logMetrics, LogMetrics::close);
        if (!clean) {
            // like a crashed process: the session ends and the sockets close at once, in-flight requests unanswered
            quietly("Curator", curator, CuratorFramework::close);
            quietly("network server", networkServer, server -> server.close(Duration.ZERO));
        }
        quietly("controller", controller, Controller::shutdown);
        quietly("registration", registration, BrokerRegistration::close);
        quietly("network server", networkServer, NetworkServer::close);
        quietly("SCRAM credential lookups", credentialLookups, ExecutorService::shutdownNow);
        quietly("client quota cache", quotaCache, QuotaCache::close);
        quietly("group coordinator", groupCoordinator, GroupCoordinator::shutdown);
        quietly("transaction coordinator", txnCoordinator, TransactionCoordinator::shutdown);
        quietly("remote log manager", remoteLogManager, RemoteLogManager::close);
        quietly("replica manager", replicaManager, ReplicaManager::shutdown);
        quietly("broker client pool", brokerPool, BrokerClientPool::close);
        quietly("controller client pool", controllerPool, BrokerClientPool::close);
        quietly("client event loops", clientLoops, ClientEventLoops::close);
        quietly("config manager", configManager, ConfigManager::close);
        quietly("leader replication quota", leaderQuota, ReplicationQuotaManager::close);
        quietly("follower replication quota", followerQuota, ReplicationQuotaManager::close);
        quietly("admin policies", policies, AdminPolicies::close);
        quietly("authorizer", authorizer, BrokerServer::closeAuthorizer);
        replicaSelector.ifPresent(s -> quietly("replica selector", s, selector -> {
            try {
                selector.close();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }));
        if (clean) {
            quietly("Curator", curator, CuratorFramework::close);
            quietly("log manager", logManager, LogManager::shutdown);
        } else {
            quietly("logs", logManager, BrokerServer::closeLogsWithoutFlush);
        }
        quietly("scheduler", scheduler, ExecutorService::shutdownNow);
        quietly("I/O executor", ioExecutor, ExecutorService::shutdownNow);
        quietly("JVM metrics", jvmMetrics, JvmMetrics::close);
    }

    private static void closeLogsWithoutFlush(LogManager logs) {
        logs.cleaner().ifPresent(LogCompactor::shutdown);
        for (UnifiedLog unifiedLog : logs.allLogs()) {
            unifiedLog.close();
        }
    }

    private <T> void quietly(String what, T component, java.util.function.Consumer<T> stop) {
        if (component == null) {
            return;
        }
        try {
            stop.accept(component);
        } catch (RuntimeException e) {
            log.warn("{} stopping the {} failed", logPrefix, what, e);
        }
    }

    /**
     * A log directory failed (a write to it threw an {@link java.io.IOException}): the broker stops at once, without
     * a controlled shutdown or a flush, so its ZooKeeper session ends and the controller elects the other replicas;
     * the next start recovers the logs. Kafka does the same when the last of a broker's log directories fails; with
     * several directories it keeps serving from the others, which needs per-directory offline state that Sluice does
     * not have yet, so any failed directory stops the broker (the safe side: no write is acknowledged from a disk
     * that failed).
     */
    private void onLogDirFailure(Path dir, String what, Throwable cause) {
        log.error(
                "{} stopping: log directory {} failed ({}); the controller moves leadership to the other replicas",
                logPrefix,
                dir,
                what);
        fatalError.compareAndSet(null, new KafkaStorageException("log directory " + dir + " failed: " + what, cause));
        Thread stopper = new Thread(this::halt, "sluice-log-dir-failure-" + brokerId);
        stopper.setDaemon(false);
        stopper.start();
    }

    private void onFatalError(Throwable error) {
        log.error("{} fatal error, shutting down: {}", logPrefix, error.toString());
        fatalError.compareAndSet(null, error);
        Thread stopper = new Thread(this::shutdown, "sluice-fatal-shutdown-" + brokerId);
        stopper.setDaemon(false);
        stopper.start();
    }

    private void awaitZooKeeper() {
        try {
            if (!curator.blockUntilConnected(config.zookeeperConnectionTimeoutMs(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("cannot connect to ZooKeeper at "
                        + config.zookeeperConnect().connectString() + " within "
                        + config.zookeeperConnectionTimeoutMs() + " ms (zookeeper.connection.timeout.ms)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to ZooKeeper", e);
        }
    }

    // ------------------------------------------------------------------ accessors

    public State state() {
        return state.get();
    }

    public boolean isRunning() {
        return state.get() == State.RUNNING;
    }

    public int brokerId() {
        return brokerId;
    }

    public BrokerConfig config() {
        return config;
    }

    /** The error that stopped the broker on its own (a duplicate broker id after a session change), if any. */
    public Optional<Throwable> fatalError() {
        return Optional.ofNullable(fatalError.get());
    }

    /** The current broker epoch; {@code -1} before registration. */
    public long brokerEpoch() {
        BrokerRegistration r = registration;
        return r == null ? BrokerInfo.UNKNOWN_EPOCH : r.brokerEpoch();
    }

    /** The bound port of the inter-broker listener (the real port when configured as 0). */
    /** Loads and starts {@code authorizer.class.name}'s authorizer (docs/security.md#authorization), if any. */
    private RequestAuthorizer startAuthorizer(String clusterId) {
        Optional<Authorizer> loaded = AuthorizerLoader.load(config);
        if (loaded.isEmpty()) {
            return RequestAuthorizer.none();
        }
        Authorizer started = loaded.get();
        authorizer = started;
        List<org.apache.kafka.common.Endpoint> endpoints = config.listeners().stream()
                .map(e -> new org.apache.kafka.common.Endpoint(
                        e.listenerName(),
                        org.apache.kafka.common.security.auth.SecurityProtocol.forName(
                                e.securityProtocol().name()),
                        e.host(),
                        e.port()))
                .toList();
        org.apache.kafka.common.Endpoint interBroker = endpoints.stream()
                .filter(e -> e.listenerName().orElse("").equals(config.interBrokerListenerName()))
                .findFirst()
                .orElse(endpoints.get(0));
        started.start(new AuthorizerServerInfo() {
            @Override
            public ClusterResource clusterResource() {
                return new ClusterResource(clusterId);
            }

            @Override
            public int brokerId() {
                return brokerId;
            }

            @Override
            public Collection<org.apache.kafka.common.Endpoint> endpoints() {
                return endpoints;
            }

            @Override
            public org.apache.kafka.common.Endpoint interBrokerEndpoint() {
                return interBroker;
            }

            @Override
            public Collection<String> earlyStartListeners() {
                return List.of();
            }
        });
        log.info(
                "{} requests are authorized by {}",
                logPrefix,
                started.getClass().getName());
        return RequestAuthorizer.over(started);
    }

    private static void closeAuthorizer(Authorizer authorizer) {
        try {
            authorizer.close();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** {@code principal.builder.class}, if set, names each connection's principal. */
    private ConnectionPrincipals connectionPrincipals() {
        return Plugins.newConfiguredInstance(
                        config, BrokerConfigKeys.PRINCIPAL_BUILDER_CLASS, KafkaPrincipalBuilder.class)
                .map(ConnectionPrincipals::builtBy)
                .orElse(ConnectionPrincipals.anonymous());
    }

    /** The port listener {@code listenerName} is bound to. */
    public int boundPort(String listenerName) {
        return requireStarted(networkServer, "network server").boundPort(listenerName);
    }

    public int boundPort() {
        return requireStarted(networkServer, "network server").boundPort(config.interBrokerListenerName());
    }

    /** {@code 127.0.0.1:<bound port>}, for clients in the same machine. */
    public String bootstrapServers() {
        return "127.0.0.1:" + boundPort();
    }

    public Controller controller() {
        return requireStarted(controller, "controller");
    }

    public ReplicaManager replicaManager() {
        return requireStarted(replicaManager, "replica manager");
    }

    public MetadataCache metadataCache() {
        return requireStarted(cache, "metadata cache");
    }

    public LogManager logManager() {
        return requireStarted(logManager, "log manager");
    }

    /** The group coordinator (consumer groups and their committed offsets in {@code __consumer_offsets}). */
    public GroupCoordinator groupCoordinator() {
        return requireStarted(groupCoordinator, "group coordinator");
    }

    public BrokerRegistration registration() {
        return requireStarted(registration, "registration");
    }

    /** The broker's ZooKeeper client (one session shared by registration, controller and config manager). */
    public CuratorFramework zooKeeperClient() {
        return requireStarted(curator, "ZooKeeper client");
    }

    private <T> T requireStarted(T component, String what) {
        if (component == null) {
            throw new IllegalStateException(logPrefix + " has no " + what + " (state " + state.get() + ")");
        }
        return component;
    }

    @Override
    public String toString() {
        return logPrefix + " " + state.get();
    }
}
