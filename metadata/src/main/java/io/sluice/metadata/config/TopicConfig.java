package io.sluice.metadata.config;

import static io.sluice.metadata.config.Validator.atLeast;
import static io.sluice.metadata.config.Validator.between;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The effective configuration of one topic: per-topic overrides (from {@code /config/topics/T}, Kafka's topic-level
 * names) on top of the broker defaults they are synonyms of (for example {@code retention.ms} defaults from
 * {@code log.retention.ms}/{@code .minutes}/{@code .hours}). Every topic key is dynamic; none is sensitive.
 *
 * <p>Thread-safety: immutable; share freely.
 */
public final class TopicConfig {

    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String RETENTION_MS = "retention.ms";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String SEGMENT_INDEX_BYTES = "segment.index.bytes";
    public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
    public static final String UNCLEAN_LEADER_ELECTION_ENABLE = "unclean.leader.election.enable";
    public static final String FLUSH_MESSAGES = "flush.messages";
    public static final String FLUSH_MS = "flush.ms";
    public static final String COMPRESSION_TYPE = "compression.type";
    public static final String MESSAGE_TIMESTAMP_TYPE = "message.timestamp.type";
    public static final String DELETE_RETENTION_MS = "delete.retention.ms";
    public static final String MIN_COMPACTION_LAG_MS = "min.compaction.lag.ms";
    public static final String MAX_COMPACTION_LAG_MS = "max.compaction.lag.ms";
    public static final String MIN_CLEANABLE_DIRTY_RATIO = "min.cleanable.dirty.ratio";
    public static final String FILE_DELETE_DELAY_MS = "file.delete.delay.ms";
    public static final String SEGMENT_JITTER_MS = "segment.jitter.ms";
    public static final String PREALLOCATE = "preallocate";
    public static final String MESSAGE_TIMESTAMP_DIFFERENCE_MAX_MS = "message.timestamp.difference.max.ms";
    public static final String MESSAGE_TIMESTAMP_BEFORE_MAX_MS = "message.timestamp.before.max.ms";
    public static final String MESSAGE_TIMESTAMP_AFTER_MAX_MS = "message.timestamp.after.max.ms";
    public static final String LEADER_REPLICATION_THROTTLED_REPLICAS = "leader.replication.throttled.replicas";
    public static final String FOLLOWER_REPLICATION_THROTTLED_REPLICAS = "follower.replication.throttled.replicas";
    public static final String MESSAGE_DOWNCONVERSION_ENABLE = "message.downconversion.enable";
    public static final String MESSAGE_FORMAT_VERSION = "message.format.version";
    public static final String COMPRESSION_GZIP_LEVEL = "compression.gzip.level";
    public static final String COMPRESSION_LZ4_LEVEL = "compression.lz4.level";
    public static final String COMPRESSION_ZSTD_LEVEL = "compression.zstd.level";
    public static final String REMOTE_STORAGE_ENABLE = "remote.storage.enable";
    public static final String LOCAL_RETENTION_MS = "local.retention.ms";
    public static final String LOCAL_RETENTION_BYTES = "local.retention.bytes";
    public static final String REMOTE_LOG_COPY_DISABLE = "remote.log.copy.disable";
    public static final String REMOTE_LOG_DELETE_ON_DISABLE = "remote.log.delete.on.disable";

    /** The doc of a key Sluice accepts and stores, as Kafka does, but does not act on yet. */
    private static String noEffect(String what, String why) {
        return what + " Accepted and stored for compatibility; no effect in Sluice: " + why + ".";
    }

    /** A topic key, the broker keys it defaults from (in precedence order) and how to read that default. */
    private record Def<T>(ConfigKey<T> key, List<ConfigKey<?>> synonyms, Function<BrokerConfig, T> brokerDefault) {}

    private static final Map<String, Def<?>> DEFS = new LinkedHashMap<>();

    private static <T> void def(
            ConfigKey.Builder<T> key, Function<BrokerConfig, T> brokerDefault, ConfigKey<?>... synonyms) {
        ConfigKey<T> k = key.optional().dynamic().build();
        DEFS.put(k.name(), new Def<>(k, List.of(synonyms), brokerDefault));
    }

    static {
        def(
                ConfigKey.listKey(CLEANUP_POLICY)
                        .validator(Validator.nonEmptyListOf("delete", "compact"))
                        .doc("delete, compact, or compact,delete"),
                BrokerConfig::logCleanupPolicy,
                BrokerConfigKeys.LOG_CLEANUP_POLICY);
        def(
                ConfigKey.longKey(RETENTION_MS).validator(atLeast(-1)).doc("Retention time; -1 is unlimited."),
                BrokerConfig::logRetentionMs,
                BrokerConfigKeys.LOG_RETENTION_MS,
                BrokerConfigKeys.LOG_RETENTION_MINUTES,
                BrokerConfigKeys.LOG_RETENTION_HOURS);
        def(
                ConfigKey.longKey(RETENTION_BYTES).doc("Retained bytes per partition; -1 is unlimited."),
                BrokerConfig::logRetentionBytes,
                BrokerConfigKeys.LOG_RETENTION_BYTES);
        def(
                ConfigKey.intKey(SEGMENT_BYTES).validator(atLeast(14)).doc("Segment file size."),
                BrokerConfig::logSegmentBytes,
                BrokerConfigKeys.LOG_SEGMENT_BYTES);
        def(
                ConfigKey.longKey(SEGMENT_MS).validator(atLeast(1)).doc("Age at which a segment is rolled."),
                BrokerConfig::logRollMs,
                BrokerConfigKeys.LOG_ROLL_MS,
                BrokerConfigKeys.LOG_ROLL_HOURS);
        def(
                ConfigKey.intKey(SEGMENT_INDEX_BYTES).validator(atLeast(4)).doc("Maximum index file size."),
                BrokerConfig::logIndexSizeMaxBytes,
                BrokerConfigKeys.LOG_INDEX_SIZE_MAX_BYTES);
        def(
                ConfigKey.intKey(INDEX_INTERVAL_BYTES).validator(atLeast(0)).doc("Bytes between index entries."),
                BrokerConfig::logIndexIntervalBytes,
                BrokerConfigKeys.LOG_INDEX_INTERVAL_BYTES);
        def(
                ConfigKey.intKey(MAX_MESSAGE_BYTES).validator(atLeast(0)).doc("Largest record batch accepted."),
                BrokerConfig::messageMaxBytes,
                BrokerConfigKeys.MESSAGE_MAX_BYTES);
        def(
                ConfigKey.intKey(MIN_INSYNC_REPLICAS).validator(atLeast(1)).doc("Minimum ISR for acks=all."),
                BrokerConfig::minInsyncReplicas,
                BrokerConfigKeys.MIN_INSYNC_REPLICAS);
        def(
                ConfigKey.booleanKey(UNCLEAN_LEADER_ELECTION_ENABLE).doc("Allow out-of-sync leaders (data loss)."),
                BrokerConfig::uncleanLeaderElectionEnable,
                BrokerConfigKeys.UNCLEAN_LEADER_ELECTION_ENABLE);
        def(
                ConfigKey.longKey(FLUSH_MESSAGES).validator(atLeast(1)).doc("Messages between fsyncs."),
                BrokerConfig::logFlushIntervalMessages,
                BrokerConfigKeys.LOG_FLUSH_INTERVAL_MESSAGES);
        def(
                ConfigKey.longKey(FLUSH_MS).validator(atLeast(0)).doc("Max ms between fsyncs."),
                BrokerConfig::logFlushIntervalMs,
                BrokerConfigKeys.LOG_FLUSH_INTERVAL_MS);
        def(
                ConfigKey.stringKey(COMPRESSION_TYPE)
                        .validator(Validator.oneOf(BrokerConfigKeys.COMPRESSION_TYPES))
                        .doc("Final compression codec; producer keeps the producer's."),
                BrokerConfig::compressionType,
                BrokerConfigKeys.COMPRESSION_TYPE);
        def(
                ConfigKey.stringKey(MESSAGE_TIMESTAMP_TYPE)
                        .validator(Validator.oneOf("CreateTime", "LogAppendTime"))
                        .doc("CreateTime or LogAppendTime."),
                b -> b.get(BrokerConfigKeys.LOG_MESSAGE_TIMESTAMP_TYPE),
                BrokerConfigKeys.LOG_MESSAGE_TIMESTAMP_TYPE);
        def(
                ConfigKey.longKey(DELETE_RETENTION_MS).validator(atLeast(0)).doc("Tombstone retention."),
                b -> b.get(BrokerConfigKeys.LOG_CLEANER_DELETE_RETENTION_MS),
                BrokerConfigKeys.LOG_CLEANER_DELETE_RETENTION_MS);
        def(
                ConfigKey.longKey(MIN_COMPACTION_LAG_MS).validator(atLeast(0)).doc("Minimum uncompacted time."),
                b -> b.get(BrokerConfigKeys.LOG_CLEANER_MIN_COMPACTION_LAG_MS),
                BrokerConfigKeys.LOG_CLEANER_MIN_COMPACTION_LAG_MS);
        def(
                ConfigKey.longKey(MAX_COMPACTION_LAG_MS).validator(atLeast(1)).doc("Maximum uncompacted time."),
                b -> b.get(BrokerConfigKeys.LOG_CLEANER_MAX_COMPACTION_LAG_MS),
                BrokerConfigKeys.LOG_CLEANER_MAX_COMPACTION_LAG_MS);
        def(
                ConfigKey.doubleKey(MIN_CLEANABLE_DIRTY_RATIO)
                        .validator(between(0, 1))
                        .doc("Dirty ratio that triggers compaction."),
                b -> b.get(BrokerConfigKeys.LOG_CLEANER_MIN_CLEANABLE_RATIO),
                BrokerConfigKeys.LOG_CLEANER_MIN_CLEANABLE_RATIO);
        def(
                ConfigKey.longKey(FILE_DELETE_DELAY_MS).validator(atLeast(0)).doc("Delay before files are deleted."),
                BrokerConfig::logSegmentDeleteDelayMs,
                BrokerConfigKeys.LOG_SEGMENT_DELETE_DELAY_MS);
        def(
                ConfigKey.longKey(SEGMENT_JITTER_MS)
                        .validator(atLeast(0))
                        .doc(noEffect("Random jitter subtracted from segment.ms.", "segments roll at segment.ms")),
                b -> 0L);
        def(
                ConfigKey.booleanKey(PREALLOCATE)
                        .doc(noEffect("Preallocate segment files.", "segment files grow as records arrive")),
                b -> false);
        def(
                ConfigKey.longKey(MESSAGE_TIMESTAMP_DIFFERENCE_MAX_MS)
                        .validator(atLeast(0))
                        .doc(noEffect(
                                "Deprecated: largest difference between a CreateTime timestamp and the broker's clock.",
                                "record timestamps are not range-checked")),
                b -> Long.MAX_VALUE);
        def(
                ConfigKey.longKey(MESSAGE_TIMESTAMP_BEFORE_MAX_MS)
                        .validator(atLeast(0))
                        .doc(noEffect(
                                "How far a CreateTime timestamp may lie in the past.",
                                "record timestamps are not range-checked")),
                b -> Long.MAX_VALUE);
        def(
                ConfigKey.longKey(MESSAGE_TIMESTAMP_AFTER_MAX_MS)
                        .validator(atLeast(0))
                        .doc(noEffect(
                                "How far a CreateTime timestamp may lie in the future.",
                                "record timestamps are not range-checked")),
                b -> Long.MAX_VALUE);
        def(
                ConfigKey.listKey(LEADER_REPLICATION_THROTTLED_REPLICAS)
                        .validator(Validator.throttledReplicas())
                        .doc("Replicas (partition:broker, or *) whose leader-side replication is throttled:"
                                + " a broker listed for a partition sends it to followers outside the ISR at no more"
                                + " than its leader.replication.throttled.rate."),
                b -> List.of());
        def(
                ConfigKey.listKey(FOLLOWER_REPLICATION_THROTTLED_REPLICAS)
                        .validator(Validator.throttledReplicas())
                        .doc("Replicas (partition:broker, or *) whose follower-side replication is throttled:"
                                + " a broker listed for a partition fetches it, until caught up, at no more than its"
                                + " follower.replication.throttled.rate."),
                b -> List.of());
        def(
                ConfigKey.booleanKey(MESSAGE_DOWNCONVERSION_ENABLE)
                        .doc(noEffect(
                                "Whether fetches of old consumers may down-convert records.",
                                "Fetch is answered from v4, whose consumers read the current format")),
                b -> true);
        def(
                ConfigKey.stringKey(MESSAGE_FORMAT_VERSION)
                        .doc(noEffect(
                                "Deprecated: the on-disk message format.",
                                "records are always stored in the current format, as Kafka 3.x does")),
                b -> "3.0-IV1");
        def(
                ConfigKey.intKey(COMPRESSION_GZIP_LEVEL)
                        .validator(Validator.gzipLevel())
                        .doc(noEffect("gzip level when the broker compresses.", "the broker keeps batches as sent")),
                b -> -1);
        def(
                ConfigKey.intKey(COMPRESSION_LZ4_LEVEL)
                        .validator(between(1, 17))
                        .doc(noEffect("lz4 level when the broker compresses.", "the broker keeps batches as sent")),
                b -> 9);
        def(
                ConfigKey.intKey(COMPRESSION_ZSTD_LEVEL)
                        .validator(between(-131072, 22))
                        .doc(noEffect("zstd level when the broker compresses.", "the broker keeps batches as sent")),
                b -> 3);
        def(
                ConfigKey.booleanKey(REMOTE_STORAGE_ENABLE)
                        .doc("Tiered storage for this topic: rolled segments are copied to the remote tier and local"
                                + " segments are kept by local.retention.*. Needs remote.log.storage.system.enable on"
                                + " the broker; not for compacted topics."),
                b -> false);
        def(
                ConfigKey.longKey(LOCAL_RETENTION_MS)
                        .validator(atLeast(-2))
                        .doc("Local-tier retention time of a topic with remote storage (-2: retention.ms); at most"
                                + " retention.ms."),
                BrokerConfig::logLocalRetentionMs,
                BrokerConfigKeys.LOG_LOCAL_RETENTION_MS);
        def(
                ConfigKey.longKey(LOCAL_RETENTION_BYTES)
                        .validator(atLeast(-2))
                        .doc("Local-tier retained bytes per partition of a topic with remote storage (-2:"
                                + " retention.bytes); at most retention.bytes."),
                BrokerConfig::logLocalRetentionBytes,
                BrokerConfigKeys.LOG_LOCAL_RETENTION_BYTES);
        def(
                ConfigKey.booleanKey(REMOTE_LOG_COPY_DISABLE)
                        .doc(noEffect("Stop copying segments to the remote tier.", "not implemented yet")),
                b -> false);
        def(
                ConfigKey.booleanKey(REMOTE_LOG_DELETE_ON_DISABLE)
                        .doc(noEffect(
                                "Delete remote segments when tiering is disabled.",
                                "disabling tiering is not supported yet")),
                b -> false);
    }

    /** Every topic key, in definition order; all optional and dynamic. */
    public static final ConfigDefinition DEFINITION =
            ConfigDefinition.of(DEFS.values().stream().map(Def::key).toList());

    private final Map<String, Object> values;
    private final Set<String> overridden;

    private TopicConfig(Map<String, Object> values, Set<String> overridden) {
        this.values = Collections.unmodifiableMap(values);
        this.overridden = Set.copyOf(overridden);
    }

    /**
     * Validates topic overrides as CreateTopics/AlterConfigs must: every key known, every value parseable and in range,
     * {@code min.compaction.lag.ms <= max.compaction.lag.ms}.
     *
     * @throws ConfigException naming the key (an unknown key gives {@code Unknown topic config name: k})
     */
    public static void validate(Map<String, String> overrides) {
        parseOverrides(overrides);
    }

    /**
     * The effective values: each override if present, else the broker's value of its synonym.
     *
     * @throws ConfigException naming the key of an invalid override
     */
    public static TopicConfig resolve(BrokerConfig broker, Map<String, String> overrides) {
        ConfigValues parsed = parseOverrides(overrides);
        Map<String, Object> values = new HashMap<>();
        for (Def<?> def : DEFS.values()) {
            Object v = parsed.get(def.key());
            values.put(def.key().name(), v != null ? v : def.brokerDefault().apply(broker));
        }
        TopicConfig config = new TopicConfig(values, overrides.keySet());
        if (config.minCompactionLagMs() > config.maxCompactionLagMs()) {
            throw new ConfigException(
                    MIN_COMPACTION_LAG_MS,
                    config.minCompactionLagMs(),
                    "Must not exceed " + MAX_COMPACTION_LAG_MS + "=" + config.maxCompactionLagMs());
        }
        if (config.remoteStorageEnable()) {
            validateRemoteStorage(broker, config);
        }
        return config;
    }

    /**
     * Kafka's checks of a topic with {@code remote.storage.enable=true}: the broker's tiered storage is on, the topic
     * is not compacted, and each local retention is -2 (the total) or, when the total is limited, neither -1 nor
     * above it.
     */
    private static void validateRemoteStorage(BrokerConfig broker, TopicConfig config) {
        if (!broker.remoteLogStorageSystemEnable()) {
            throw new ConfigException(
                    REMOTE_STORAGE_ENABLE,
                    true,
                    "Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote"
                            + " log storage.");
        }
        if (config.compact()) {
            throw new ConfigException(
                    REMOTE_STORAGE_ENABLE, true, "Remote log storage is unsupported for the compacted topics");
        }
        checkLocalRetention(
                LOCAL_RETENTION_BYTES, config.localRetentionBytesSetting(), RETENTION_BYTES, config.retentionBytes());
        checkLocalRetention(LOCAL_RETENTION_MS, config.localRetentionMsSetting(), RETENTION_MS, config.retentionMs());
    }

    private static void checkLocalRetention(String localKey, long local, String totalKey, long total) {
        if (total == -1 || local == -2) {
            return;
        }
        if (local == -1) {
            throw new ConfigException(
                    localKey, local, "Value must not be -1 as " + totalKey + " value is set as " + total + ".");
        }
        if (local > total) {
            throw new ConfigException(
                    localKey, local, "Value must not be more than " + totalKey + " property value: " + total);
        }
    }

    /**
     * Describes every topic key for DescribeConfigs, naming where each effective value comes from.
     *
     * @param staticBroker the broker's config from its properties file
     * @param dynamicBrokerDefaults the cluster-wide dynamic defaults ({@code /config/brokers/<default>})
     * @param topicOverrides the topic's overrides ({@code /config/topics/T})
     */
    public static List<DescribedConfig> describe(
            BrokerConfig staticBroker, Map<String, String> dynamicBrokerDefaults, Map<String, String> topicOverrides) {
        return describe(staticBroker, DynamicBrokerConfig.ofDefaults(dynamicBrokerDefaults), topicOverrides);
    }

    /**
     * Every topic key with its effective value and the level it comes from: the topic's override, else the first
     * level of its broker synonyms that sets one (this broker's dynamic value, the cluster-wide dynamic default, the
     * properties file, the built-in default).
     *
     * @throws ConfigException if the dynamic broker values or the overrides are invalid
     */
    public static List<DescribedConfig> describe(
            BrokerConfig staticBroker, DynamicBrokerConfig dynamicBroker, Map<String, String> topicOverrides) {
        BrokerConfig effectiveBroker = dynamicBroker.applyTo(staticBroker);
        TopicConfig resolved = resolve(effectiveBroker, topicOverrides);
        List<DescribedConfig> out = new ArrayList<>();
        for (Def<?> def : DEFS.values()) {
            String name = def.key().name();
            ConfigSource source;
            if (topicOverrides.containsKey(name)) {
                source = ConfigSource.DYNAMIC_TOPIC_CONFIG;
            } else if (def.synonyms().stream()
                    .anyMatch(s -> dynamicBroker.perBroker().containsKey(s.name()))) {
                source = ConfigSource.DYNAMIC_BROKER_CONFIG;
            } else if (def.synonyms().stream()
                    .anyMatch(s -> dynamicBroker.clusterDefaults().containsKey(s.name()))) {
                source = ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG;
            } else if (def.synonyms().stream().anyMatch(s -> staticBroker.isSet(s.name()))) {
                source = ConfigSource.STATIC_BROKER_CONFIG;
            } else {
                source = ConfigSource.DEFAULT_CONFIG;
            }
            out.add(new DescribedConfig(
                    name,
                    def.key().render(resolved.values.get(name)),
                    source,
                    false,
                    def.key().isSensitive(),
                    def.key().type(),
                    def.key().doc()));
        }
        return out;
    }

    /** The broker keys {@code topicKey} defaults from, highest precedence first; empty for an unknown key. */
    public static List<String> brokerSynonyms(String topicKey) {
        Def<?> def = DEFS.get(topicKey);
        return def == null
                ? List.of()
                : def.synonyms().stream().map(ConfigKey::name).toList();
    }

    /** Whether the topic overrides {@code name}. */
    public boolean isOverridden(String name) {
        return overridden.contains(name);
    }

    /** Effective values by topic key name. */
    public Map<String, Object> values() {
        return values;
    }

    @SuppressWarnings("unchecked")
    public List<String> cleanupPolicy() {
        return (List<String>) values.get(CLEANUP_POLICY);
    }

    public boolean compact() {
        return cleanupPolicy().contains("compact");
    }

    public boolean delete() {
        return cleanupPolicy().contains("delete");
    }

    /** Retention time, {@code -1} for unlimited. */
    public long retentionMs() {
        return (Long) values.get(RETENTION_MS);
    }

    /** Retained bytes, {@code -1} for unlimited. */
    public long retentionBytes() {
        return (Long) values.get(RETENTION_BYTES);
    }

    /** {@code remote.storage.enable}: the topic's rolled segments are copied to the remote tier. */
    public boolean remoteStorageEnable() {
        return (Boolean) values.get(REMOTE_STORAGE_ENABLE);
    }

    /** {@code local.retention.ms} as set: -2 means {@link #retentionMs()}. */
    public long localRetentionMsSetting() {
        return (Long) values.get(LOCAL_RETENTION_MS);
    }

    /** {@code local.retention.bytes} as set: -2 means {@link #retentionBytes()}. */
    public long localRetentionBytesSetting() {
        return (Long) values.get(LOCAL_RETENTION_BYTES);
    }

    /** The effective local-tier retention time ({@code -2} resolved to {@code retention.ms}); -1 is unlimited. */
    public long localRetentionMs() {
        long v = localRetentionMsSetting();
        return v == -2 ? retentionMs() : v;
    }

    /** The effective local-tier retained bytes ({@code -2} resolved to {@code retention.bytes}); -1 is unlimited. */
    public long localRetentionBytes() {
        long v = localRetentionBytesSetting();
        return v == -2 ? retentionBytes() : v;
    }

    public int segmentBytes() {
        return (Integer) values.get(SEGMENT_BYTES);
    }

    public long segmentMs() {
        return (Long) values.get(SEGMENT_MS);
    }

    public int segmentIndexBytes() {
        return (Integer) values.get(SEGMENT_INDEX_BYTES);
    }

    public int indexIntervalBytes() {
        return (Integer) values.get(INDEX_INTERVAL_BYTES);
    }

    public int maxMessageBytes() {
        return (Integer) values.get(MAX_MESSAGE_BYTES);
    }

    public int minInsyncReplicas() {
        return (Integer) values.get(MIN_INSYNC_REPLICAS);
    }

    public boolean uncleanLeaderElectionEnable() {
        return (Boolean) values.get(UNCLEAN_LEADER_ELECTION_ENABLE);
    }

    /** Messages between fsyncs; {@link Long#MAX_VALUE} means never forced. */
    public long flushMessages() {
        return (Long) values.get(FLUSH_MESSAGES);
    }

    /** Max ms between fsyncs; {@link Long#MAX_VALUE} means never forced. */
    public long flushMs() {
        return (Long) values.get(FLUSH_MS);
    }

    public String compressionType() {
        return (String) values.get(COMPRESSION_TYPE);
    }

    /** {@code CreateTime} or {@code LogAppendTime}. */
    public String messageTimestampType() {
        return (String) values.get(MESSAGE_TIMESTAMP_TYPE);
    }

    public long deleteRetentionMs() {
        return (Long) values.get(DELETE_RETENTION_MS);
    }

    public long minCompactionLagMs() {
        return (Long) values.get(MIN_COMPACTION_LAG_MS);
    }

    public long maxCompactionLagMs() {
        return (Long) values.get(MAX_COMPACTION_LAG_MS);
    }

    public double minCleanableDirtyRatio() {
        return (Double) values.get(MIN_CLEANABLE_DIRTY_RATIO);
    }

    /** {@code leader.replication.throttled.replicas}: {@code *} or {@code partition:broker} pairs, empty if none. */
    @SuppressWarnings("unchecked")
    public List<String> leaderThrottledReplicas() {
        return (List<String>) values.get(LEADER_REPLICATION_THROTTLED_REPLICAS);
    }

    /** {@code follower.replication.throttled.replicas}: {@code *} or {@code partition:broker} pairs, empty if none. */
    @SuppressWarnings("unchecked")
    public List<String> followerThrottledReplicas() {
        return (List<String>) values.get(FOLLOWER_REPLICATION_THROTTLED_REPLICAS);
    }

    public long fileDeleteDelayMs() {
        return (Long) values.get(FILE_DELETE_DELAY_MS);
    }

    @Override
    public String toString() {
        return "TopicConfig" + values;
    }

    private static ConfigValues parseOverrides(Map<String, String> overrides) {
        for (String name : overrides.keySet()) {
            if (!DEFS.containsKey(name)) {
                throw new ConfigException(name, "Unknown topic config name: " + name);
            }
        }
        ConfigValues parsed = DEFINITION.parse(overrides);
        Optional<Long> min = parsed.find(key(MIN_COMPACTION_LAG_MS, Long.class));
        Optional<Long> max = parsed.find(key(MAX_COMPACTION_LAG_MS, Long.class));
        if (min.isPresent() && max.isPresent() && min.get() > max.get()) {
            throw new ConfigException(
                    MIN_COMPACTION_LAG_MS, min.get(), "Must not exceed " + MAX_COMPACTION_LAG_MS + "=" + max.get());
        }
        return parsed;
    }

    @SuppressWarnings("unchecked")
    private static <T> ConfigKey<T> key(String name, Class<T> type) {
        return (ConfigKey<T>) DEFS.get(name).key();
    }
}
