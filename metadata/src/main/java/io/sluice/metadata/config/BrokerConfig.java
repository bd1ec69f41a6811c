package io.sluice.metadata.config;

import static io.sluice.metadata.config.BrokerConfigKeys.*;

import io.sluice.metadata.model.Endpoint;
import io.sluice.metadata.model.SecurityProtocol;
import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The validated, immutable configuration of one broker, with Kafka's {@code server.properties} names (see
 * {@link BrokerConfigKeys}). Derived values are computed once: listeners and advertised endpoints, the ZooKeeper
 * connect string and chroot, the effective retention and roll times.
 *
 * <p>Precedence rules as in Kafka: {@code log.dirs} wins over {@code log.dir}; {@code log.retention.ms} over
 * {@code .minutes} over {@code .hours}; {@code log.roll.ms} over {@code log.roll.hours}. Cross-field problems that
 * are risky but legal (for example {@code replica.lag.time.max.ms} not above {@code zookeeper.session.timeout.ms}) are
 * logged as warnings and kept in {@link #warnings()}; contradictions fail with a {@link ConfigException}.
 *
 * <p>Thread-safety: immutable; share freely.
 */
public final class BrokerConfig {
    private static final Logger log = LoggerFactory.getLogger(BrokerConfig.class);

    private final ConfigValues values;
    private final List<Endpoint> listeners;
    private final List<Endpoint> advertisedListeners;
    private final String interBrokerListenerName;
    private final Map<String, String> listenerKeys;
    private final Map<String, ListenerConfig> listenerConfigs;
    private final ZkConnect zkConnect;
    private final List<String> warnings;
    private final Supplier<String> localHost;
    /** The raw properties under the remote storage plugins' prefixes ({@code rsm.config.}, {@code rlmm.config.}). */
    private final Map<String, String> pluginProps;

    private BrokerConfig(
            ConfigValues values,
            Supplier<String> localHost,
            Map<String, String> perListener,
            Map<String, String> pluginProps) {
        this.values = values;
        this.listenerKeys = Map.copyOf(perListener);
        this.localHost = localHost;
        this.pluginProps = Map.copyOf(pluginProps);
        Map<String, SecurityProtocol> protocols = Listeners.parseProtocolMap(
                LISTENER_SECURITY_PROTOCOL_MAP.name(), values.get(LISTENER_SECURITY_PROTOCOL_MAP));
        this.listeners = Listeners.parse(LISTENERS.name(), values.get(LISTENERS), protocols);
        Optional<List<String>> adv = values.find(ADVERTISED_LISTENERS);
        List<Endpoint> advRaw =
                adv.isPresent() ? Listeners.parse(ADVERTISED_LISTENERS.name(), adv.get(), protocols) : listeners;
        this.advertisedListeners = Listeners.advertised(listeners, advRaw, adv.isPresent(), localHost);
        this.interBrokerListenerName = resolveInterBrokerListener(values, listeners);
        this.listenerConfigs = ListenerConfig.build(values, perListener, listeners);
        this.zkConnect = ZkConnect.parse(values.get(ZOOKEEPER_CONNECT));
        this.warnings = List.copyOf(crossFieldWarnings());
        String prefix = "[BrokerConfig broker=" + brokerId() + "]";
        warnings.forEach(w -> log.warn("{} {}", prefix, w));
    }

    /**
     * Parses and validates {@code raw}. Empty listener hosts are advertised as this machine's canonical host name
     * (127.0.0.1 if it cannot be resolved).
     *
     * @throws ConfigException naming the offending key
     */
    public static BrokerConfig fromMap(Map<String, String> raw) {
        return fromMap(raw, BrokerConfig::canonicalLocalHost);
    }

    /** As {@link #fromMap(Map)}, with the host advertised for listeners that have an empty host. */
    public static BrokerConfig fromMap(Map<String, String> raw, Supplier<String> localHost) {
        Map<String, String> keys = new HashMap<>();
        Map<String, String> perListener = new HashMap<>();
        Map<String, String> plugins = new HashMap<>();
        List<String> prefixes = List.of(
                raw.getOrDefault(
                        REMOTE_LOG_STORAGE_MANAGER_IMPL_PREFIX.name(),
                        REMOTE_LOG_STORAGE_MANAGER_IMPL_PREFIX.defaultValue().orElseThrow()),
                raw.getOrDefault(
                        REMOTE_LOG_METADATA_MANAGER_IMPL_PREFIX.name(),
                        REMOTE_LOG_METADATA_MANAGER_IMPL_PREFIX.defaultValue().orElseThrow()));
        raw.forEach((k, v) -> {
            if (ListenerConfig.isListenerKey(k)) {
                perListener.put(k, v);
            } else if (!DEFINITION.contains(k) && prefixes.stream().anyMatch(p -> !p.isEmpty() && k.startsWith(p))) {
                plugins.put(k, v);
            } else {
                keys.put(k, v);
            }
        });
        return new BrokerConfig(DEFINITION.parse(keys), localHost, perListener, plugins);
    }

    public static BrokerConfig fromProperties(Properties props) {
        Map<String, String> raw = new HashMap<>();
        for (String name : props.stringPropertyNames()) {
            raw.put(name, props.getProperty(name));
        }
        return fromMap(raw, BrokerConfig::canonicalLocalHost);
    }

    /**
     * Loads a {@code server.properties} file (ISO-8859-1 properties syntax, as {@link Properties#load}).
     *
     * @throws IOException if the file cannot be read
     * @throws ConfigException naming the offending key
     */
    public static BrokerConfig fromFile(Path file) throws IOException {
        Properties props = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            props.load(r);
        }
        return fromProperties(props);
    }

    /** A new config with {@code overrides} applied on top of the explicitly set values, validated again. */
    public BrokerConfig withOverrides(Map<String, String> overrides) {
        Map<String, String> merged = new HashMap<>(values.originals());
        merged.putAll(listenerKeys);
        merged.putAll(pluginProps);
        merged.putAll(overrides);
        return fromMap(merged, localHost);
    }

    /**
     * Validates values for the cluster-wide dynamic defaults ({@code /config/brokers/<default>}) as AlterConfigs must:
     * every key a known broker key that is dynamic, every value valid.
     *
     * @throws ConfigException naming the first unknown, read-only or invalid key
     */
    public static void validateDynamicDefaults(Map<String, String> updates) {
        for (Map.Entry<String, String> e : updates.entrySet()) {
            ConfigKey<?> key = DEFINITION
                    .find(e.getKey())
                    .orElseThrow(() -> new ConfigException(e.getKey(), "Unknown broker config name: " + e.getKey()));
            if (!key.isDynamic()) {
                throw new ConfigException(
                        e.getKey(), "Cannot update " + e.getKey() + " dynamically: it is a read-only broker config");
            }
            key.parse(e.getValue());
        }
    }

    /** The typed value of any broker key (see {@link BrokerConfigKeys}); {@code null} for an unset optional key. */
    public <T> T get(ConfigKey<T> key) {
        return values.get(key);
    }

    /** Whether {@code name} was set explicitly (in the file or by an override). */
    public boolean isSet(String name) {
        return values.isSet(name);
    }

    /** The explicitly set raw values. */
    public Map<String, String> originals() {
        return values.originals();
    }

    /**
     * The properties passed to the RemoteStorageManager's {@code configure}: those under
     * {@code remote.log.storage.manager.impl.prefix}, without it.
     */
    public Map<String, String> remoteStorageManagerProps() {
        return stripped(values.get(REMOTE_LOG_STORAGE_MANAGER_IMPL_PREFIX));
    }

    /**
     * The properties passed to the RemoteLogMetadataManager's {@code configure}: those under
     * {@code remote.log.metadata.manager.impl.prefix}, without it.
     */
    public Map<String, String> remoteLogMetadataManagerProps() {
        return stripped(values.get(REMOTE_LOG_METADATA_MANAGER_IMPL_PREFIX));
    }

    private Map<String, String> stripped(String prefix) {
        Map<String, String> out = new HashMap<>();
        pluginProps.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return Map.copyOf(out);
    }

    public boolean remoteLogStorageSystemEnable() {
        return values.get(REMOTE_LOG_STORAGE_SYSTEM_ENABLE);
    }

    public long logLocalRetentionMs() {
        return values.get(LOG_LOCAL_RETENTION_MS);
    }

    public long logLocalRetentionBytes() {
        return values.get(LOG_LOCAL_RETENTION_BYTES);
    }

    /** Cross-field warnings found while validating (already logged). */
    public List<String> warnings() {
        return warnings;
    }

    /** Describes every broker key for DescribeConfigs (source STATIC_BROKER_CONFIG or DEFAULT_CONFIG). */
    public List<DescribedConfig> describe() {
        List<DescribedConfig> out = new ArrayList<>();
        for (ConfigKey<?> key : DEFINITION.keys()) {
            Object v = values.get(key);
            out.add(new DescribedConfig(
                    key.name(),
                    key.isSensitive() ? null : key.render(v),
                    isSet(key.name()) ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG,
                    !key.isDynamic(),
                    key.isSensitive(),
                    key.type(),
                    key.doc()));
        }
        return out;
    }

    // ---- identity, listeners, ZooKeeper

    public int brokerId() {
        return values.get(BROKER_ID);
    }

    /** The endpoints to bind; an empty host means all interfaces. */
    public List<Endpoint> listeners() {
        return listeners;
    }

    /** The endpoints to register in ZooKeeper; never an empty host. */
    public List<Endpoint> advertisedListeners() {
        return advertisedListeners;
    }

    /** The security settings of the listener named {@code listenerName} (case-insensitive). */
    public ListenerConfig listenerConfig(String listenerName) {
        ListenerConfig config = listenerConfigs.get(listenerName.toUpperCase(java.util.Locale.ROOT));
        if (config == null) {
            throw new IllegalArgumentException("No listener named " + listenerName + " in " + listeners);
        }
        return config;
    }

    /** The per-listener keys ({@code listener.name.<l>.<key>}) as set. */
    public Map<String, String> listenerKeys() {
        return listenerKeys;
    }

    /** The listener brokers and the controller use to talk to this broker. */
    public String interBrokerListenerName() {
        return interBrokerListenerName;
    }

    /** The ZooKeeper ensemble and chroot. */
    public ZkConnect zookeeperConnect() {
        return zkConnect;
    }

    public int zookeeperSessionTimeoutMs() {
        return values.get(ZOOKEEPER_SESSION_TIMEOUT_MS);
    }

    /** {@code zookeeper.connection.timeout.ms}, defaulting to the session timeout. */
    public int zookeeperConnectionTimeoutMs() {
        return values.find(ZOOKEEPER_CONNECTION_TIMEOUT_MS).orElse(zookeeperSessionTimeoutMs());
    }

    /** {@code broker.rack}; empty when unset or blank. */
    public Optional<String> rack() {
        return values.find(BROKER_RACK).filter(r -> !r.isBlank());
    }

    /** Port of the Prometheus endpoint; 0 means disabled. */
    public int metricsPort() {
        return values.get(METRICS_PORT);
    }

    // ---- log storage

    /** {@code log.dirs} if set, else {@code log.dir}. */
    public List<Path> logDirs() {
        List<String> dirs = values.find(LOG_DIRS).orElse(List.of(values.get(LOG_DIR)));
        return dirs.stream().map(Path::of).toList();
    }

    public int numRecoveryThreadsPerDataDir() {
        return values.get(NUM_RECOVERY_THREADS_PER_DATA_DIR);
    }

    public int logSegmentBytes() {
        return values.get(LOG_SEGMENT_BYTES);
    }

    /** {@code log.roll.ms} if set, else {@code log.roll.hours} in ms. */
    public long logRollMs() {
        return values.find(LOG_ROLL_MS).orElse(values.get(LOG_ROLL_HOURS) * 3_600_000L);
    }

    /** Effective retention: ms over minutes over hours; any negative value means unlimited ({@code -1}). */
    public long logRetentionMs() {
        long ms;
        if (values.find(LOG_RETENTION_MS).isPresent()) {
            ms = values.get(LOG_RETENTION_MS);
        } else if (values.find(LOG_RETENTION_MINUTES).isPresent()) {
            ms = values.get(LOG_RETENTION_MINUTES) * 60_000L;
        } else {
            ms = values.get(LOG_RETENTION_HOURS) * 3_600_000L;
        }
        return ms < 0 ? -1L : ms;
    }

    public long logRetentionBytes() {
        return values.get(LOG_RETENTION_BYTES);
    }

    public int logIndexIntervalBytes() {
        return values.get(LOG_INDEX_INTERVAL_BYTES);
    }

    public int logIndexSizeMaxBytes() {
        return values.get(LOG_INDEX_SIZE_MAX_BYTES);
    }

    /** Messages between fsyncs; {@link Long#MAX_VALUE} means never forced. */
    public long logFlushIntervalMessages() {
        return values.get(LOG_FLUSH_INTERVAL_MESSAGES);
    }

    /** Max ms between fsyncs; {@link Long#MAX_VALUE} (unset) means never forced. */
    public long logFlushIntervalMs() {
        return values.find(LOG_FLUSH_INTERVAL_MS).orElse(Long.MAX_VALUE);
    }

    public long logRetentionCheckIntervalMs() {
        return values.get(LOG_RETENTION_CHECK_INTERVAL_MS);
    }

    public long logSegmentDeleteDelayMs() {
        return values.get(LOG_SEGMENT_DELETE_DELAY_MS);
    }

    public int messageMaxBytes() {
        return values.get(MESSAGE_MAX_BYTES);
    }

    public String compressionType() {
        return values.get(COMPRESSION_TYPE);
    }

    public List<String> logCleanupPolicy() {
        return values.get(LOG_CLEANUP_POLICY);
    }

    public boolean logCleanerEnable() {
        return values.get(LOG_CLEANER_ENABLE);
    }

    public int logCleanerThreads() {
        return values.get(LOG_CLEANER_THREADS);
    }

    public long logCleanerBackoffMs() {
        return values.get(LOG_CLEANER_BACKOFF_MS);
    }

    public long logCleanerDedupeBufferSize() {
        return values.get(LOG_CLEANER_DEDUPE_BUFFER_SIZE);
    }

    public int logCleanerIoBufferSize() {
        return values.get(LOG_CLEANER_IO_BUFFER_SIZE);
    }

    public double logCleanerIoBufferLoadFactor() {
        return values.get(LOG_CLEANER_IO_BUFFER_LOAD_FACTOR);
    }

    // ---- topics and replication

    public boolean autoCreateTopicsEnable() {
        return values.get(AUTO_CREATE_TOPICS_ENABLE);
    }

    public boolean deleteTopicEnable() {
        return values.get(DELETE_TOPIC_ENABLE);
    }

    public int numPartitions() {
        return values.get(NUM_PARTITIONS);
    }

    public int defaultReplicationFactor() {
        return values.get(DEFAULT_REPLICATION_FACTOR);
    }

    /** {@code max.partitions.per.request} and {@code max.partitions.per.cluster}. */
    public PartitionLimits partitionLimits() {
        return new PartitionLimits(values.get(MAX_PARTITIONS_PER_REQUEST), values.get(MAX_PARTITIONS_PER_CLUSTER));
    }

    public int minInsyncReplicas() {
        return values.get(MIN_INSYNC_REPLICAS);
    }

    public boolean replicaPlacementIgnoreRacks() {
        return values.get(REPLICA_PLACEMENT_IGNORE_RACKS);
    }

    public boolean uncleanLeaderElectionEnable() {
        return values.get(UNCLEAN_LEADER_ELECTION_ENABLE);
    }

    public long replicaLagTimeMaxMs() {
        return values.get(REPLICA_LAG_TIME_MAX_MS);
    }

    public int replicaFetchMaxBytes() {
        return values.get(REPLICA_FETCH_MAX_BYTES);
    }

    public int replicaFetchResponseMaxBytes() {
        return values.get(REPLICA_FETCH_RESPONSE_MAX_BYTES);
    }

    public int replicaFetchWaitMaxMs() {
        return values.get(REPLICA_FETCH_WAIT_MAX_MS);
    }

    public int replicaFetchMinBytes() {
        return values.get(REPLICA_FETCH_MIN_BYTES);
    }

    /** {@code max.incremental.fetch.session.cache.slots}. */
    public int maxIncrementalFetchSessionCacheSlots() {
        return values.get(MAX_INCREMENTAL_FETCH_SESSION_CACHE_SLOTS);
    }

    public int numReplicaFetchers() {
        return values.get(NUM_REPLICA_FETCHERS);
    }

    public boolean autoLeaderRebalanceEnable() {
        return values.get(AUTO_LEADER_REBALANCE_ENABLE);
    }

    public long leaderImbalanceCheckIntervalSeconds() {
        return values.get(LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS);
    }

    public int leaderImbalancePerBrokerPercentage() {
        return values.get(LEADER_IMBALANCE_PER_BROKER_PERCENTAGE);
    }

    public boolean controlledShutdownEnable() {
        return values.get(CONTROLLED_SHUTDOWN_ENABLE);
    }

    public int controlledShutdownMaxRetries() {
        return values.get(CONTROLLED_SHUTDOWN_MAX_RETRIES);
    }

    public long controlledShutdownRetryBackoffMs() {
        return values.get(CONTROLLED_SHUTDOWN_RETRY_BACKOFF_MS);
    }

    public int controllerSocketTimeoutMs() {
        return values.get(CONTROLLER_SOCKET_TIMEOUT_MS);
    }

    // ---- network and threads

    public int numNetworkThreads() {
        return values.get(NUM_NETWORK_THREADS);
    }

    public int numIoThreads() {
        return values.get(NUM_IO_THREADS);
    }

    public int queuedMaxRequests() {
        return values.get(QUEUED_MAX_REQUESTS);
    }

    public int socketRequestMaxBytes() {
        return values.get(SOCKET_REQUEST_MAX_BYTES);
    }

    /** {@code connections.max.idle.ms}; -1 means idle connections are never closed. */
    public long connectionsMaxIdleMs() {
        return values.get(CONNECTIONS_MAX_IDLE_MS);
    }

    public int maxConnections() {
        return values.get(MAX_CONNECTIONS);
    }

    public int maxConnectionsPerIp() {
        return values.get(MAX_CONNECTIONS_PER_IP);
    }

    public int quotaWindowNum() {
        return values.get(QUOTA_WINDOW_NUM);
    }

    public int quotaWindowSizeSeconds() {
        return values.get(QUOTA_WINDOW_SIZE_SECONDS);
    }

    /** {@code max.connections.per.ip.overrides} as host (name or address, unresolved) → limit, in the order written. */
    public Map<String, Integer> maxConnectionsPerIpOverrides() {
        return HostCounts.parse(MAX_CONNECTIONS_PER_IP_OVERRIDES.name(), values.get(MAX_CONNECTIONS_PER_IP_OVERRIDES));
    }

    /** Sluice's {@code max.pipelined.requests.per.connection}: 1 (Kafka's muting) unless set. */
    public int maxPipelinedRequestsPerConnection() {
        return values.get(MAX_PIPELINED_REQUESTS_PER_CONNECTION);
    }

    public int requestTimeoutMs() {
        return values.get(REQUEST_TIMEOUT_MS);
    }

    // ---- group coordinator and offsets

    public int offsetsTopicNumPartitions() {
        return values.get(OFFSETS_TOPIC_NUM_PARTITIONS);
    }

    public int offsetsTopicReplicationFactor() {
        return values.get(OFFSETS_TOPIC_REPLICATION_FACTOR);
    }

    public int offsetsRetentionMinutes() {
        return values.get(OFFSETS_RETENTION_MINUTES);
    }

    public int groupMinSessionTimeoutMs() {
        return values.get(GROUP_MIN_SESSION_TIMEOUT_MS);
    }

    public int groupMaxSessionTimeoutMs() {
        return values.get(GROUP_MAX_SESSION_TIMEOUT_MS);
    }

    public int groupInitialRebalanceDelayMs() {
        return values.get(GROUP_INITIAL_REBALANCE_DELAY_MS);
    }

    public int groupMaxSize() {
        return values.get(GROUP_MAX_SIZE);
    }

    public long offsetsRetentionCheckIntervalMs() {
        return values.get(OFFSETS_RETENTION_CHECK_INTERVAL_MS);
    }

    public int offsetsCommitTimeoutMs() {
        return values.get(OFFSETS_COMMIT_TIMEOUT_MS);
    }

    public int offsetsTopicSegmentBytes() {
        return values.get(OFFSETS_TOPIC_SEGMENT_BYTES);
    }

    // ---- transaction coordinator

    public int transactionStateLogNumPartitions() {
        return values.get(TRANSACTION_STATE_LOG_NUM_PARTITIONS);
    }

    public int transactionStateLogReplicationFactor() {
        return values.get(TRANSACTION_STATE_LOG_REPLICATION_FACTOR);
    }

    public int transactionStateLogMinIsr() {
        return values.get(TRANSACTION_STATE_LOG_MIN_ISR);
    }

    public int transactionStateLogSegmentBytes() {
        return values.get(TRANSACTION_STATE_LOG_SEGMENT_BYTES);
    }

    public int transactionMaxTimeoutMs() {
        return values.get(TRANSACTION_MAX_TIMEOUT_MS);
    }

    public int transactionAbortTimedOutCleanupIntervalMs() {
        return values.get(TRANSACTION_ABORT_TIMED_OUT_CLEANUP_INTERVAL_MS);
    }

    public int transactionalIdExpirationMs() {
        return values.get(TRANSACTIONAL_ID_EXPIRATION_MS);
    }

    public int transactionRemoveExpiredCleanupIntervalMs() {
        return values.get(TRANSACTION_REMOVE_EXPIRED_CLEANUP_INTERVAL_MS);
    }

    @Override
    public String toString() {
        return "BrokerConfig(broker.id=" + brokerId() + ", originals=" + values.originals() + ")";
    }

    private static String resolveInterBrokerListener(ConfigValues values, List<Endpoint> listeners) {
        Optional<String> explicit = values.find(INTER_BROKER_LISTENER_NAME);
        Optional<String> protocol = values.find(SECURITY_INTER_BROKER_PROTOCOL);
        if (explicit.isPresent() && protocol.isPresent()) {
            throw new ConfigException(
                    SECURITY_INTER_BROKER_PROTOCOL.name(),
                    protocol.get(),
                    "Only one of " + INTER_BROKER_LISTENER_NAME.name() + " and " + SECURITY_INTER_BROKER_PROTOCOL.name()
                            + " may be set");
        }
        if (protocol.isPresent()) {
            if (listeners.stream().noneMatch(l -> l.listenerName().equals(protocol.get()))) {
                throw new ConfigException(
                        SECURITY_INTER_BROKER_PROTOCOL.name(),
                        protocol.get(),
                        "Must be the name of one of the listeners (or set " + INTER_BROKER_LISTENER_NAME.name() + ")");
            }
            return protocol.get();
        }
        if (explicit.isPresent()) {
            String name = explicit.get().toUpperCase(java.util.Locale.ROOT);
            if (listeners.stream().noneMatch(l -> l.listenerName().equals(name))) {
                throw new ConfigException(
                        INTER_BROKER_LISTENER_NAME.name(), explicit.get(), "Must be the name of one of the listeners");
            }
            return name;
        }
        return listeners.stream()
                .filter(l -> l.listenerName().equals("PLAINTEXT"))
                .findFirst()
                .orElse(listeners.get(0))
                .listenerName();
    }

    private List<String> crossFieldWarnings() {
        List<String> w = new ArrayList<>();
        if (advertisedListeners.stream().noneMatch(e -> e.listenerName().equals(interBrokerListenerName))) {
            throw new ConfigException(
                    ADVERTISED_LISTENERS.name(),
                    "The inter-broker listener " + interBrokerListenerName + " must be advertised in "
                            + ADVERTISED_LISTENERS.name());
        }
        if (groupMinSessionTimeoutMs() > groupMaxSessionTimeoutMs()) {
            throw new ConfigException(
                    GROUP_MIN_SESSION_TIMEOUT_MS.name(),
                    groupMinSessionTimeoutMs(),
                    "Must not exceed " + GROUP_MAX_SESSION_TIMEOUT_MS.name() + "=" + groupMaxSessionTimeoutMs());
        }
        for (ConfigKey<Integer> partitions : List.of(NUM_PARTITIONS, OFFSETS_TOPIC_NUM_PARTITIONS)) {
            int value = values.get(partitions);
            if (value > values.get(MAX_PARTITIONS_PER_REQUEST)) {
                throw new ConfigException(
                        partitions.name(),
                        value,
                        "Must not exceed " + MAX_PARTITIONS_PER_REQUEST.name() + "="
                                + values.get(MAX_PARTITIONS_PER_REQUEST) + ", or every such topic creation is refused");
            }
        }
        if (maxConnectionsPerIp() == 0 && maxConnectionsPerIpOverrides().isEmpty()) {
            throw new ConfigException(
                    MAX_CONNECTIONS_PER_IP.name(),
                    0,
                    "Can be set to zero only if " + MAX_CONNECTIONS_PER_IP_OVERRIDES.name() + " is set");
        }
        if (replicaLagTimeMaxMs() <= zookeeperSessionTimeoutMs()) {
            w.add(REPLICA_LAG_TIME_MAX_MS.name() + "=" + replicaLagTimeMaxMs() + " should be greater than "
                    + ZOOKEEPER_SESSION_TIMEOUT_MS.name() + "=" + zookeeperSessionTimeoutMs()
                    + ", or a follower paused for a session timeout can drop out of the ISR");
        }
        if (replicaFetchWaitMaxMs() >= replicaLagTimeMaxMs()) {
            w.add(REPLICA_FETCH_WAIT_MAX_MS.name() + "=" + replicaFetchWaitMaxMs() + " should be less than "
                    + REPLICA_LAG_TIME_MAX_MS.name() + "=" + replicaLagTimeMaxMs()
                    + ", or idle followers fall out of the ISR");
        }
        if (minInsyncReplicas() > defaultReplicationFactor()) {
            w.add(MIN_INSYNC_REPLICAS.name() + "=" + minInsyncReplicas() + " exceeds "
                    + DEFAULT_REPLICATION_FACTOR.name() + "=" + defaultReplicationFactor()
                    + "; acks=all is limited to the replication factor for auto-created topics");
        }
        if (isSet(LOG_DIRS.name()) && isSet(LOG_DIR.name())) {
            w.add(LOG_DIRS.name() + " and " + LOG_DIR.name() + " are both set; " + LOG_DIR.name() + " is ignored");
        }
        return w;
    }

    private static String canonicalLocalHost() {
        try {
            return InetAddress.getLocalHost().getCanonicalHostName();
        } catch (UnknownHostException e) {
            return "127.0.0.1";
        }
    }
}
