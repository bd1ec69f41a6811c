package io.sluice.metadata.config;

import static io.sluice.metadata.config.Validator.atLeast;
import static io.sluice.metadata.config.Validator.between;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.replica.ReplicaSelector;
import org.apache.kafka.common.security.auth.KafkaPrincipalBuilder;
import org.apache.kafka.server.policy.AlterConfigPolicy;
import org.apache.kafka.server.policy.CreateTopicPolicy;

/**
 * The broker configuration keys, with Kafka's {@code server.properties} names and defaults. Keys marked dynamic may
 * be set cluster-wide in {@code /config/brokers/<default>}; the rest are read-only (static).
 */
public final class BrokerConfigKeys {
    private BrokerConfigKeys() {}

    private static final List<ConfigKey<?>> ALL = new ArrayList<>();

    private static <T> ConfigKey<T> def(ConfigKey.Builder<T> builder) {
        ConfigKey<T> key = builder.build();
        ALL.add(key);
        return key;
    }

    /** Compression codecs accepted by {@code compression.type}. */
    static final String[] COMPRESSION_TYPES = {"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"};

    // ---- identity, listeners, ZooKeeper
    public static final ConfigKey<Integer> BROKER_ID = def(ConfigKey.intKey("broker.id")
            .required()
            .validator(atLeast(0))
            .doc("The broker id; unique in the cluster."));
    public static final ConfigKey<List<String>> LISTENERS = def(ConfigKey.listKey("listeners")
            .defaultValue(List.of("PLAINTEXT://:9092"))
            .validator(Validator.nonEmptyList())
            .doc("Listeners as NAME://host:port; an empty host binds all interfaces."));
    public static final ConfigKey<List<String>> ADVERTISED_LISTENERS = def(ConfigKey.listKey("advertised.listeners")
            .optional()
            .doc("Listeners published in ZooKeeper for clients and peers; defaults to listeners."));
    public static final ConfigKey<List<String>> LISTENER_SECURITY_PROTOCOL_MAP =
            def(ConfigKey.listKey("listener.security.protocol.map")
                    .defaultValue(List.of(
                            "PLAINTEXT:PLAINTEXT", "SSL:SSL", "SASL_PLAINTEXT:SASL_PLAINTEXT", "SASL_SSL:SASL_SSL"))
                    .doc("Map of listener name to security protocol, as NAME:PROTOCOL pairs."));
    public static final ConfigKey<String> INTER_BROKER_LISTENER_NAME =
            def(ConfigKey.stringKey("inter.broker.listener.name")
                    .optional()
                    .doc("Listener used between brokers; defaults to PLAINTEXT if defined, else the first listener."));
    // ---- security: listeners' TLS and SASL (each may be overridden per listener as listener.name.<l>.<key>)
    public static final ConfigKey<String> SECURITY_INTER_BROKER_PROTOCOL =
            def(ConfigKey.stringKey("security.inter.broker.protocol")
                    .optional()
                    .validator(Validator.oneOf("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"))
                    .doc("Protocol between brokers; picks the listener of that name unless"
                            + " inter.broker.listener.name is set (the two are exclusive)."));
    public static final ConfigKey<List<String>> SASL_ENABLED_MECHANISMS =
            def(ConfigKey.listKey("sasl.enabled.mechanisms")
                    .defaultValue(List.of("GSSAPI"))
                    .doc("SASL mechanisms served on SASL listeners: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512."));
    public static final ConfigKey<String> SASL_MECHANISM_INTER_BROKER_PROTOCOL =
            def(ConfigKey.stringKey("sasl.mechanism.inter.broker.protocol")
                    .defaultValue("GSSAPI")
                    .doc("SASL mechanism brokers use towards a SASL inter-broker listener."));
    public static final ConfigKey<String> SASL_JAAS_CONFIG = def(ConfigKey.stringKey("sasl.jaas.config")
            .optional()
            .sensitive()
            .doc("JAAS login module options; usually set per listener and mechanism as"
                    + " listener.name.<l>.<mechanism>.sasl.jaas.config."));
    public static final ConfigKey<Integer> CONNECTION_FAILED_AUTHENTICATION_DELAY_MS =
            def(ConfigKey.intKey("connection.failed.authentication.delay.ms")
                    .defaultValue(100)
                    .validator(atLeast(0))
                    .doc("Delay before a connection whose authentication failed is closed."));
    public static final ConfigKey<Long> CONNECTIONS_MAX_REAUTH_MS = def(ConfigKey.longKey("connections.max.reauth.ms")
            .defaultValue(0L)
            .validator(atLeast(0))
            .doc("Lifetime of an authenticated SASL session (KIP-368); 0 disables re-authentication. Clients"
                    + " that support it re-authenticate before it ends; a connection whose session has ended"
                    + " is closed at its next request. Per listener and mechanism as"
                    + " listener.name.<l>.<mechanism>.connections.max.reauth.ms."));
    public static final ConfigKey<Integer> SASL_SERVER_MAX_RECEIVE_SIZE =
            def(ConfigKey.intKey("sasl.server.max.receive.size")
                    .defaultValue(524288)
                    .validator(atLeast(1))
                    .doc("Largest frame accepted before authentication completes."));
    public static final ConfigKey<String> SSL_PROTOCOL =
            def(ConfigKey.stringKey("ssl.protocol").defaultValue("TLSv1.3").doc("TLS protocol of the SSLContext."));
    public static final ConfigKey<List<String>> SSL_ENABLED_PROTOCOLS = def(ConfigKey.listKey("ssl.enabled.protocols")
            .defaultValue(List.of("TLSv1.2", "TLSv1.3"))
            .doc("TLS protocol versions accepted."));
    public static final ConfigKey<List<String>> SSL_CIPHER_SUITES = def(ConfigKey.listKey("ssl.cipher.suites")
            .defaultValue(List.of())
            .doc("Cipher suites accepted; empty means the JDK's defaults."));
    public static final ConfigKey<String> SSL_KEYSTORE_TYPE = def(ConfigKey.stringKey("ssl.keystore.type")
            .defaultValue("JKS")
            .validator(Validator.oneOf("JKS", "PKCS12"))
            .doc("Key store format: JKS or PKCS12."));
    public static final ConfigKey<String> SSL_KEYSTORE_LOCATION = def(ConfigKey.stringKey("ssl.keystore.location")
            .optional()
            .doc("Key store file holding the broker's certificate and private key."));
    public static final ConfigKey<String> SSL_KEYSTORE_PASSWORD = def(
            ConfigKey.stringKey("ssl.keystore.password").optional().sensitive().doc("Password of the key store."));
    public static final ConfigKey<String> SSL_KEY_PASSWORD = def(ConfigKey.stringKey("ssl.key.password")
            .optional()
            .sensitive()
            .doc("Password of the private key; defaults to the key store password."));
    public static final ConfigKey<String> SSL_TRUSTSTORE_TYPE = def(ConfigKey.stringKey("ssl.truststore.type")
            .defaultValue("JKS")
            .validator(Validator.oneOf("JKS", "PKCS12"))
            .doc("Trust store format: JKS or PKCS12."));
    public static final ConfigKey<String> SSL_TRUSTSTORE_LOCATION = def(ConfigKey.stringKey("ssl.truststore.location")
            .optional()
            .doc("Trust store file with the certificates of trusted authorities."));
    public static final ConfigKey<String> SSL_TRUSTSTORE_PASSWORD = def(ConfigKey.stringKey("ssl.truststore.password")
            .optional()
            .sensitive()
            .doc("Password of the trust store."));
    public static final ConfigKey<String> SSL_CLIENT_AUTH = def(ConfigKey.stringKey("ssl.client.auth")
            .defaultValue("none")
            .validator(Validator.oneOf("required", "requested", "none"))
            .doc("Whether TLS clients must (required), may (requested) or do not (none) present a certificate."));
    public static final ConfigKey<String> SSL_ENDPOINT_IDENTIFICATION_ALGORITHM =
            def(ConfigKey.stringKey("ssl.endpoint.identification.algorithm")
                    .defaultValue("https")
                    .doc("Host name verification of the peer broker's certificate for inter-broker connections"
                            + " (https, or empty to disable)."));
    public static final ConfigKey<String> SSL_PRINCIPAL_MAPPING_RULES =
            def(ConfigKey.stringKey("ssl.principal.mapping.rules")
                    .defaultValue("DEFAULT")
                    .doc("Rules mapping a client certificate's distinguished name to a user name:"
                            + " RULE:pattern/replacement/[LU], ..., DEFAULT."));

    public static final ConfigKey<String> ZOOKEEPER_CONNECT = def(ConfigKey.stringKey("zookeeper.connect")
            .required()
            .doc("host:port[,host:port...][/chroot] of the ZooKeeper ensemble."));
    public static final ConfigKey<Integer> ZOOKEEPER_SESSION_TIMEOUT_MS =
            def(ConfigKey.intKey("zookeeper.session.timeout.ms")
                    .defaultValue(18000)
                    .validator(atLeast(1))
                    .doc("ZooKeeper session timeout."));
    public static final ConfigKey<Integer> ZOOKEEPER_CONNECTION_TIMEOUT_MS =
            def(ConfigKey.intKey("zookeeper.connection.timeout.ms")
                    .optional()
                    .validator(atLeast(1))
                    .doc("Max time to establish the ZooKeeper connection; defaults to the session timeout."));
    // ---- security of the ZooKeeper connection (Kafka's keys; see ZkClientSecurity)
    public static final ConfigKey<Boolean> ZOOKEEPER_SET_ACL = def(ConfigKey.booleanKey("zookeeper.set.acl")
            .defaultValue(false)
            .doc("Create znodes with ACLs: full rights for the creator's ZooKeeper identity (SASL or TLS"
                    + " certificate), read for everyone else, no access for others to /config/users, /config/brokers"
                    + " and /delegation_token. Needs a SASL (JAAS Client section) or TLS client identity."));
    public static final ConfigKey<Boolean> ZOOKEEPER_SSL_CLIENT_ENABLE =
            def(ConfigKey.booleanKey("zookeeper.ssl.client.enable")
                    .optional()
                    .doc("Connect to ZooKeeper over TLS (needs zookeeper.clientCnxnSocket="
                            + "org.apache.zookeeper.ClientCnxnSocketNetty); unset leaves the zookeeper.client.secure"
                            + " system property in charge."));
    public static final ConfigKey<String> ZOOKEEPER_CLIENT_CNXN_SOCKET = def(ConfigKey.stringKey(
                    "zookeeper.clientCnxnSocket")
            .optional()
            .doc("ZooKeeper client socket implementation; org.apache.zookeeper.ClientCnxnSocketNetty for TLS."));
    public static final ConfigKey<String> ZOOKEEPER_SSL_KEYSTORE_LOCATION =
            def(ConfigKey.stringKey("zookeeper.ssl.keystore.location")
                    .optional()
                    .doc("Key store with the client certificate presented to ZooKeeper over TLS."));
    public static final ConfigKey<String> ZOOKEEPER_SSL_KEYSTORE_PASSWORD =
            def(ConfigKey.stringKey("zookeeper.ssl.keystore.password")
                    .optional()
                    .sensitive()
                    .doc("Password of the ZooKeeper TLS key store."));
    public static final ConfigKey<String> ZOOKEEPER_SSL_KEYSTORE_TYPE =
            def(ConfigKey.stringKey("zookeeper.ssl.keystore.type")
                    .optional()
                    .validator(Validator.oneOf("JKS", "PKCS12", "PEM"))
                    .doc("Format of the ZooKeeper TLS key store; unset lets ZooKeeper infer it from the file name."));
    public static final ConfigKey<String> ZOOKEEPER_SSL_TRUSTSTORE_LOCATION =
            def(ConfigKey.stringKey("zookeeper.ssl.truststore.location")
                    .optional()
                    .doc("Trust store with the authorities that signed ZooKeeper's certificate."));
    public static final ConfigKey<String> ZOOKEEPER_SSL_TRUSTSTORE_PASSWORD =
            def(ConfigKey.stringKey("zookeeper.ssl.truststore.password")
                    .optional()
                    .sensitive()
                    .doc("Password of the ZooKeeper TLS trust store."));
    public static final ConfigKey<String> ZOOKEEPER_SSL_TRUSTSTORE_TYPE =
            def(ConfigKey.stringKey("zookeeper.ssl.truststore.type")
                    .optional()
                    .validator(Validator.oneOf("JKS", "PKCS12", "PEM"))
                    .doc("Format of the ZooKeeper TLS trust store; unset lets ZooKeeper infer it from the file name."));
    public static final ConfigKey<String> ZOOKEEPER_SSL_PROTOCOL = def(ConfigKey.stringKey("zookeeper.ssl.protocol")
            .defaultValue("TLSv1.2")
            .doc("TLS protocol of the ZooKeeper connection's SSLContext."));
    public static final ConfigKey<List<String>> ZOOKEEPER_SSL_ENABLED_PROTOCOLS =
            def(ConfigKey.listKey("zookeeper.ssl.enabled.protocols")
                    .optional()
                    .doc("TLS protocol versions enabled towards ZooKeeper; unset means zookeeper.ssl.protocol."));
    public static final ConfigKey<List<String>> ZOOKEEPER_SSL_CIPHER_SUITES =
            def(ConfigKey.listKey("zookeeper.ssl.cipher.suites")
                    .optional()
                    .doc("Cipher suites enabled towards ZooKeeper; unset means the JDK's defaults."));
    public static final ConfigKey<String> ZOOKEEPER_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM =
            def(ConfigKey.stringKey("zookeeper.ssl.endpoint.identification.algorithm")
                    .defaultValue("HTTPS")
                    .doc("HTTPS (any case) checks that ZooKeeper's certificate names the host connected to;"
                            + " any other value, such as empty, disables the check."));
    public static final ConfigKey<Boolean> ZOOKEEPER_SSL_CRL_ENABLE =
            def(ConfigKey.booleanKey("zookeeper.ssl.crl.enable")
                    .defaultValue(false)
                    .doc("Check certificate revocation lists on the ZooKeeper TLS connection."));
    public static final ConfigKey<Boolean> ZOOKEEPER_SSL_OCSP_ENABLE =
            def(ConfigKey.booleanKey("zookeeper.ssl.ocsp.enable")
                    .defaultValue(false)
                    .doc("Check certificate status by OCSP on the ZooKeeper TLS connection."));
    public static final ConfigKey<String> BROKER_RACK =
            def(ConfigKey.stringKey("broker.rack").optional().doc("Rack of the broker, for rack-aware placement."));
    public static final ConfigKey<Integer> METRICS_PORT = def(ConfigKey.intKey("metrics.port")
            .defaultValue(9404)
            .validator(between(0, 65535))
            .doc("Port of the Prometheus scrape endpoint (/metrics) on all interfaces; 0 disables it."));

    // ---- log storage
    public static final ConfigKey<List<String>> LOG_DIRS =
            def(ConfigKey.listKey("log.dirs").optional().doc("Data directories; wins over log.dir."));
    public static final ConfigKey<String> LOG_DIR = def(ConfigKey.stringKey("log.dir")
            .defaultValue("/tmp/sluice-logs")
            .doc("Data directory if log.dirs is unset."));
    public static final ConfigKey<Integer> NUM_RECOVERY_THREADS_PER_DATA_DIR =
            def(ConfigKey.intKey("num.recovery.threads.per.data.dir")
                    .defaultValue(1)
                    .validator(atLeast(1))
                    .doc("Threads per data directory for log recovery at startup and flushing at shutdown."));
    public static final ConfigKey<Integer> LOG_SEGMENT_BYTES = def(ConfigKey.intKey("log.segment.bytes")
            .defaultValue(1024 * 1024 * 1024)
            .validator(atLeast(14))
            .dynamic()
            .doc("Maximum size of a log segment file."));
    public static final ConfigKey<Long> LOG_ROLL_MS = def(ConfigKey.longKey("log.roll.ms")
            .optional()
            .validator(atLeast(1))
            .dynamic()
            .doc("Maximum age of a segment before it is rolled; wins over log.roll.hours."));
    public static final ConfigKey<Integer> LOG_ROLL_HOURS = def(ConfigKey.intKey("log.roll.hours")
            .defaultValue(168)
            .validator(atLeast(1))
            .doc("Maximum age of a segment in hours."));
    public static final ConfigKey<Long> LOG_RETENTION_MS = def(ConfigKey.longKey("log.retention.ms")
            .optional()
            .validator(atLeast(-1))
            .dynamic()
            .doc("Retention time; -1 is unlimited. Wins over minutes and hours."));
    public static final ConfigKey<Integer> LOG_RETENTION_MINUTES = def(ConfigKey.intKey("log.retention.minutes")
            .optional()
            .validator(atLeast(-1))
            .doc("Retention time in minutes; wins over hours."));
    public static final ConfigKey<Integer> LOG_RETENTION_HOURS = def(ConfigKey.intKey("log.retention.hours")
            .defaultValue(168)
            .validator(atLeast(-1))
            .doc("Retention time in hours."));
    public static final ConfigKey<Long> LOG_RETENTION_BYTES = def(ConfigKey.longKey("log.retention.bytes")
            .defaultValue(-1L)
            .dynamic()
            .doc("Maximum size of a partition before old segments are deleted; -1 is unlimited."));
    public static final ConfigKey<Long> LOG_LOCAL_RETENTION_MS = def(ConfigKey.longKey("log.local.retention.ms")
            .defaultValue(-2L)
            .validator(atLeast(-2))
            .dynamic()
            .doc("Local-tier retention time of topics with remote storage; -2 is the total retention (retention.ms)."));
    public static final ConfigKey<Long> LOG_LOCAL_RETENTION_BYTES = def(ConfigKey.longKey("log.local.retention.bytes")
            .defaultValue(-2L)
            .validator(atLeast(-2))
            .dynamic()
            .doc("Local-tier retained bytes of topics with remote storage; -2 is the total retention"
                    + " (retention.bytes)."));
    public static final ConfigKey<Integer> LOG_INDEX_INTERVAL_BYTES = def(ConfigKey.intKey("log.index.interval.bytes")
            .defaultValue(4096)
            .validator(atLeast(0))
            .dynamic()
            .doc("Bytes between offset index entries."));
    public static final ConfigKey<Integer> LOG_INDEX_SIZE_MAX_BYTES = def(ConfigKey.intKey("log.index.size.max.bytes")
            .defaultValue(10 * 1024 * 1024)
            .validator(atLeast(4))
            .dynamic()
            .doc("Maximum size of an offset or time index file."));
    public static final ConfigKey<Long> LOG_FLUSH_INTERVAL_MESSAGES =
            def(ConfigKey.longKey("log.flush.interval.messages")
                    .defaultValue(Long.MAX_VALUE)
                    .validator(atLeast(1))
                    .dynamic()
                    .doc("Messages appended before an fsync; Long.MAX_VALUE (default) leaves flushing to the OS."));
    public static final ConfigKey<Long> LOG_FLUSH_INTERVAL_MS = def(ConfigKey.longKey("log.flush.interval.ms")
            .optional()
            .validator(atLeast(0))
            .dynamic()
            .doc("Max time a message stays unflushed; unset (default) leaves flushing to the OS."));
    public static final ConfigKey<Long> LOG_RETENTION_CHECK_INTERVAL_MS =
            def(ConfigKey.longKey("log.retention.check.interval.ms")
                    .defaultValue(300000L)
                    .validator(atLeast(1))
                    .doc("How often the retention cleaner checks for deletable segments."));
    public static final ConfigKey<Long> LOG_SEGMENT_DELETE_DELAY_MS =
            def(ConfigKey.longKey("log.segment.delete.delay.ms")
                    .defaultValue(60000L)
                    .validator(atLeast(0))
                    .dynamic()
                    .doc("Delay before a deleted segment's files are removed."));
    public static final ConfigKey<Integer> MESSAGE_MAX_BYTES = def(ConfigKey.intKey("message.max.bytes")
            .defaultValue(1048588)
            .validator(atLeast(0))
            .dynamic()
            .doc("Largest record batch the broker accepts."));
    public static final ConfigKey<String> COMPRESSION_TYPE = def(ConfigKey.stringKey("compression.type")
            .defaultValue("producer")
            .validator(Validator.oneOf(COMPRESSION_TYPES))
            .dynamic()
            .doc("Final compression of topic data; producer keeps the producer's codec."));
    public static final ConfigKey<String> LOG_MESSAGE_TIMESTAMP_TYPE =
            def(ConfigKey.stringKey("log.message.timestamp.type")
                    .defaultValue("CreateTime")
                    .validator(Validator.oneOf("CreateTime", "LogAppendTime"))
                    .dynamic()
                    .doc("Whether record timestamps are the producer's (CreateTime) or the broker's (LogAppendTime)."));
    public static final ConfigKey<List<String>> LOG_CLEANUP_POLICY = def(ConfigKey.listKey("log.cleanup.policy")
            .defaultValue(List.of("delete"))
            .validator(Validator.nonEmptyListOf("delete", "compact"))
            .dynamic()
            .doc("Default cleanup policy: delete, compact, or both."));
    public static final ConfigKey<Boolean> LOG_CLEANER_ENABLE = def(ConfigKey.booleanKey("log.cleaner.enable")
            .defaultValue(true)
            .doc("Whether the log cleaner (compaction) runs."));
    public static final ConfigKey<Integer> LOG_CLEANER_THREADS = def(ConfigKey.intKey("log.cleaner.threads")
            .defaultValue(1)
            .validator(atLeast(0))
            .doc("Threads of the log cleaner."));
    public static final ConfigKey<Double> LOG_CLEANER_MIN_CLEANABLE_RATIO =
            def(ConfigKey.doubleKey("log.cleaner.min.cleanable.ratio")
                    .defaultValue(0.5)
                    .validator(between(0, 1))
                    .dynamic()
                    .doc("Minimum dirty ratio before a log is compacted."));
    public static final ConfigKey<Long> LOG_CLEANER_DELETE_RETENTION_MS =
            def(ConfigKey.longKey("log.cleaner.delete.retention.ms")
                    .defaultValue(86400000L)
                    .validator(atLeast(0))
                    .dynamic()
                    .doc("How long tombstones are kept in compacted topics."));
    public static final ConfigKey<Long> LOG_CLEANER_MIN_COMPACTION_LAG_MS =
            def(ConfigKey.longKey("log.cleaner.min.compaction.lag.ms")
                    .defaultValue(0L)
                    .validator(atLeast(0))
                    .dynamic()
                    .doc("Minimum time a record stays uncompacted."));
    public static final ConfigKey<Long> LOG_CLEANER_MAX_COMPACTION_LAG_MS =
            def(ConfigKey.longKey("log.cleaner.max.compaction.lag.ms")
                    .defaultValue(Long.MAX_VALUE)
                    .validator(atLeast(1))
                    .dynamic()
                    .doc("Maximum time a record stays uncompacted."));
    public static final ConfigKey<Long> LOG_CLEANER_BACKOFF_MS = def(ConfigKey.longKey("log.cleaner.backoff.ms")
            .defaultValue(15000L)
            .validator(atLeast(1))
            .doc("Pause of a log cleaner thread when no log needs cleaning."));
    public static final ConfigKey<Long> LOG_CLEANER_DEDUPE_BUFFER_SIZE =
            def(ConfigKey.longKey("log.cleaner.dedupe.buffer.size")
                    .defaultValue(134217728L)
                    .validator(atLeast(1024 * 1024))
                    .doc("Memory of the log cleaner's key-to-offset maps, shared by all cleaner threads."));
    public static final ConfigKey<Integer> LOG_CLEANER_IO_BUFFER_SIZE =
            def(ConfigKey.intKey("log.cleaner.io.buffer.size")
                    .defaultValue(524288)
                    .validator(atLeast(1024))
                    .doc("Initial read and write buffer of each log cleaner thread."));
    public static final ConfigKey<Double> LOG_CLEANER_IO_BUFFER_LOAD_FACTOR =
            def(ConfigKey.doubleKey("log.cleaner.io.buffer.load.factor")
                    .defaultValue(0.9)
                    .validator(between(0.01, 1))
                    .doc("How full the log cleaner's key-to-offset map may get."));

    // ---- topics and replication
    public static final ConfigKey<Boolean> AUTO_CREATE_TOPICS_ENABLE =
            def(ConfigKey.booleanKey("auto.create.topics.enable")
                    .defaultValue(true)
                    .doc("Create a topic when a client asks for metadata of an unknown one."));
    public static final ConfigKey<Boolean> DELETE_TOPIC_ENABLE =
            def(ConfigKey.booleanKey("delete.topic.enable").defaultValue(true).doc("Whether topics may be deleted."));
    public static final ConfigKey<Integer> NUM_PARTITIONS = def(ConfigKey.intKey("num.partitions")
            .defaultValue(1)
            .validator(atLeast(1))
            .doc("Partitions of an auto-created topic."));
    public static final ConfigKey<Integer> DEFAULT_REPLICATION_FACTOR =
            def(ConfigKey.intKey("default.replication.factor")
                    .defaultValue(1)
                    .validator(atLeast(1))
                    .doc("Replication factor of an auto-created topic."));
    public static final ConfigKey<Integer> MAX_PARTITIONS_PER_REQUEST =
            def(ConfigKey.intKey("max.partitions.per.request")
                    .defaultValue(PartitionLimits.DEFAULT_MAX_PER_REQUEST)
                    .validator(atLeast(1))
                    .dynamic()
                    .doc("Sluice only: most partitions one CreateTopics or CreatePartitions request (or one topic"
                            + " auto-creation) may add, summed over its topics; a topic beyond it is refused with"
                            + " INVALID_PARTITIONS."));
    public static final ConfigKey<Integer> MAX_PARTITIONS_PER_CLUSTER =
            def(ConfigKey.intKey("max.partitions.per.cluster")
                    .defaultValue(PartitionLimits.DEFAULT_MAX_PER_CLUSTER)
                    .validator(atLeast(1))
                    .dynamic()
                    .doc("Sluice only: most partitions the cluster may have (topics being deleted count until they"
                            + " are gone); a creation beyond it is refused with POLICY_VIOLATION."));
    public static final ConfigKey<String> CREATE_TOPIC_POLICY_CLASS_NAME =
            def(ConfigKey.classKey("create.topic.policy.class.name")
                    .optional()
                    .validator(Validator.classImplementing(CreateTopicPolicy.class))
                    .doc("Policy consulted by the controller for every topic creation (validateOnly and"
                            + " auto-creation included); a violation is answered POLICY_VIOLATION."));
    public static final ConfigKey<String> ALTER_CONFIG_POLICY_CLASS_NAME =
            def(ConfigKey.classKey("alter.config.policy.class.name")
                    .optional()
                    .validator(Validator.classImplementing(AlterConfigPolicy.class))
                    .doc("Policy consulted for IncrementalAlterConfigs of topics and of the cluster-wide broker"
                            + " defaults, with the request's entries; a violation is answered POLICY_VIOLATION."));
    // ---- authorization (docs/security.md#authorization)
    public static final ConfigKey<String> AUTHORIZER_CLASS_NAME = def(ConfigKey.stringKey("authorizer.class.name")
            .defaultValue("")
            .doc("The org.apache.kafka.server.authorizer.Authorizer every request is checked against; empty means no"
                    + " authorization. io.sluice.broker.security.AclAuthorizer (or Kafka's name for its ZooKeeper"
                    + " authorizer, kafka.security.authorizer.AclAuthorizer) selects Sluice's ACL authorizer."));
    public static final ConfigKey<String> SUPER_USERS = def(ConfigKey.stringKey("super.users")
            .defaultValue("")
            .doc("Semicolon-separated principals (User:name) the ACL authorizer allows everything."));
    public static final ConfigKey<Boolean> ALLOW_EVERYONE_IF_NO_ACL_FOUND =
            def(ConfigKey.booleanKey("allow.everyone.if.no.acl.found")
                    .defaultValue(false)
                    .doc("Whether the ACL authorizer allows an operation on a resource no ACL matches."));
    public static final ConfigKey<String> PRINCIPAL_BUILDER_CLASS = def(ConfigKey.classKey("principal.builder.class")
            .optional()
            .validator(Validator.classImplementing(KafkaPrincipalBuilder.class))
            .doc("org.apache.kafka.common.security.auth.KafkaPrincipalBuilder that names the principal of"
                    + " each connection when it becomes active; unset means User:ANONYMOUS on PLAINTEXT."));
    public static final ConfigKey<Integer> MIN_INSYNC_REPLICAS = def(ConfigKey.intKey("min.insync.replicas")
            .defaultValue(1)
            .validator(atLeast(1))
            .dynamic()
            .doc("Minimum ISR size for acks=all produce."));
    public static final ConfigKey<Boolean> REPLICA_PLACEMENT_IGNORE_RACKS =
            def(ConfigKey.booleanKey("replica.placement.ignore.racks")
                    .defaultValue(false)
                    .doc("Sluice only: when some live brokers have a broker.rack and others do not, place new"
                            + " replicas as if no broker had one; otherwise topic creation fails naming the brokers"
                            + " without a rack."));
    public static final ConfigKey<Boolean> UNCLEAN_LEADER_ELECTION_ENABLE =
            def(ConfigKey.booleanKey("unclean.leader.election.enable")
                    .defaultValue(false)
                    .dynamic()
                    .doc("Whether a replica outside the ISR may become leader (data loss)."));
    public static final ConfigKey<Long> REPLICA_LAG_TIME_MAX_MS = def(ConfigKey.longKey("replica.lag.time.max.ms")
            .defaultValue(30000L)
            .validator(atLeast(1))
            .doc("A follower not caught up for this long leaves the ISR."));
    public static final ConfigKey<Integer> REPLICA_FETCH_MAX_BYTES = def(ConfigKey.intKey("replica.fetch.max.bytes")
            .defaultValue(1048576)
            .validator(atLeast(0))
            .doc("Bytes per partition a follower fetch asks for."));
    public static final ConfigKey<Integer> REPLICA_FETCH_RESPONSE_MAX_BYTES =
            def(ConfigKey.intKey("replica.fetch.response.max.bytes")
                    .defaultValue(10 * 1024 * 1024)
                    .validator(atLeast(0))
                    .doc("Bytes a whole follower fetch response may hold."));
    public static final ConfigKey<Integer> REPLICA_FETCH_WAIT_MAX_MS = def(ConfigKey.intKey("replica.fetch.wait.max.ms")
            .defaultValue(500)
            .validator(atLeast(0))
            .doc("Max wait of a follower fetch; keep below replica.lag.time.max.ms."));
    public static final ConfigKey<Integer> REPLICA_FETCH_MIN_BYTES = def(ConfigKey.intKey("replica.fetch.min.bytes")
            .defaultValue(1)
            .validator(atLeast(0))
            .doc("Minimum bytes before a follower fetch returns."));
    public static final ConfigKey<Integer> MAX_INCREMENTAL_FETCH_SESSION_CACHE_SLOTS =
            def(ConfigKey.intKey("max.incremental.fetch.session.cache.slots")
                    .defaultValue(1000)
                    .validator(atLeast(0))
                    .doc("Incremental fetch sessions (KIP-227) the broker keeps; 0 makes every fetch sessionless."));
    public static final ConfigKey<String> REPLICA_SELECTOR_CLASS = def(
            ConfigKey.classKey("replica.selector.class")
                    .optional()
                    .validator(Validator.classImplementing(ReplicaSelector.class))
                    .doc(
                            "Picks the replica a consumer with client.rack reads from (KIP-392), e.g."
                                    + " org.apache.kafka.common.replica.RackAwareReplicaSelector; unset: consumers read from leaders."));
    public static final ConfigKey<Integer> NUM_REPLICA_FETCHERS = def(ConfigKey.intKey("num.replica.fetchers")
            .defaultValue(1)
            .validator(atLeast(1))
            .doc("Fetcher threads per source broker."));
    public static final ConfigKey<Long> LEADER_REPLICATION_THROTTLED_RATE =
            def(ConfigKey.longKey("leader.replication.throttled.rate")
                    .defaultValue(Long.MAX_VALUE)
                    .validator(atLeast(0))
                    .dynamic()
                    .doc("Bytes/s this broker sends to followers for the partitions whose"
                            + " leader.replication.throttled.replicas name it, measured over the quota window;"
                            + " followers in the ISR are never held back. Set per broker or cluster-wide, e.g. by"
                            + " kafka-reassign-partitions.sh --throttle."));
    public static final ConfigKey<Long> FOLLOWER_REPLICATION_THROTTLED_RATE =
            def(ConfigKey.longKey("follower.replication.throttled.rate")
                    .defaultValue(Long.MAX_VALUE)
                    .validator(atLeast(0))
                    .dynamic()
                    .doc("Bytes/s this broker fetches as a follower for the partitions whose"
                            + " follower.replication.throttled.replicas name it and on which it has not caught up,"
                            + " measured over the quota window."));
    public static final ConfigKey<Integer> REPLICATION_QUOTA_WINDOW_NUM =
            def(ConfigKey.intKey("replication.quota.window.num")
                    .defaultValue(11)
                    .validator(atLeast(2))
                    .doc("Samples in the window over which replication throttle rates are measured."));
    public static final ConfigKey<Integer> REPLICATION_QUOTA_WINDOW_SIZE_SECONDS =
            def(ConfigKey.intKey("replication.quota.window.size.seconds")
                    .defaultValue(1)
                    .validator(atLeast(1))
                    .doc("Length of one sample of the replication throttle window."));
    public static final ConfigKey<Boolean> AUTO_LEADER_REBALANCE_ENABLE =
            def(ConfigKey.booleanKey("auto.leader.rebalance.enable")
                    .defaultValue(true)
                    .doc("Move leadership back to preferred replicas periodically."));
    public static final ConfigKey<Long> LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS =
            def(ConfigKey.longKey("leader.imbalance.check.interval.seconds")
                    .defaultValue(300L)
                    .validator(atLeast(1))
                    .doc("Interval of the leader imbalance check."));
    public static final ConfigKey<Integer> LEADER_IMBALANCE_PER_BROKER_PERCENTAGE =
            def(ConfigKey.intKey("leader.imbalance.per.broker.percentage")
                    .defaultValue(10)
                    .validator(between(0, 100))
                    .doc("Imbalance ratio per broker that triggers a rebalance."));
    public static final ConfigKey<Boolean> CONTROLLED_SHUTDOWN_ENABLE =
            def(ConfigKey.booleanKey("controlled.shutdown.enable")
                    .defaultValue(true)
                    .doc("Move leadership away before shutting down."));
    public static final ConfigKey<Integer> CONTROLLED_SHUTDOWN_MAX_RETRIES =
            def(ConfigKey.intKey("controlled.shutdown.max.retries")
                    .defaultValue(3)
                    .validator(atLeast(1))
                    .doc("Controlled shutdown requests a stopping broker makes before it stops anyway."));
    public static final ConfigKey<Long> CONTROLLED_SHUTDOWN_RETRY_BACKOFF_MS =
            def(ConfigKey.longKey("controlled.shutdown.retry.backoff.ms")
                    .defaultValue(5000L)
                    .validator(atLeast(0))
                    .doc("Pause between controlled shutdown requests."));
    public static final ConfigKey<Integer> CONTROLLER_SOCKET_TIMEOUT_MS =
            def(ConfigKey.intKey("controller.socket.timeout.ms")
                    .defaultValue(30000)
                    .validator(atLeast(1))
                    .doc("Timeout of controller-to-broker requests."));

    // ---- network and threads
    public static final ConfigKey<Integer> NUM_NETWORK_THREADS = def(ConfigKey.intKey("num.network.threads")
            .defaultValue(3)
            .validator(atLeast(1))
            .doc("Network (event loop) threads."));
    public static final ConfigKey<Integer> NUM_IO_THREADS = def(ConfigKey.intKey("num.io.threads")
            .defaultValue(8)
            .validator(atLeast(1))
            .doc("Request handler threads."));
    public static final ConfigKey<Integer> QUEUED_MAX_REQUESTS = def(ConfigKey.intKey("queued.max.requests")
            .defaultValue(500)
            .validator(atLeast(1))
            .doc("Requests queued before network threads stop reading."));
    public static final ConfigKey<Integer> SOCKET_REQUEST_MAX_BYTES = def(ConfigKey.intKey("socket.request.max.bytes")
            .defaultValue(104857600)
            .validator(atLeast(1))
            .doc("Largest request frame accepted."));
    public static final ConfigKey<Long> CONNECTIONS_MAX_IDLE_MS = def(ConfigKey.longKey("connections.max.idle.ms")
            .defaultValue(600000L)
            .validator(Validator.offOrAtLeastOne())
            .doc("A client connection with no request in flight that has neither completed a request nor been sent a"
                    + " response for this long is closed (a client trickling a request byte by byte counts as idle);"
                    + " -1 turns it off."));
    public static final ConfigKey<Integer> MAX_CONNECTIONS = def(ConfigKey.intKey("max.connections")
            .defaultValue(Integer.MAX_VALUE)
            .validator(atLeast(0))
            .doc("Open client connections across all listeners above which the broker stops accepting (new"
                    + " connections wait in the listen backlog); the inter-broker listener is exempt when there is"
                    + " more than one listener."));
    public static final ConfigKey<Integer> MAX_CONNECTIONS_PER_IP = def(ConfigKey.intKey("max.connections.per.ip")
            .defaultValue(Integer.MAX_VALUE)
            .validator(atLeast(0))
            .doc("Open connections allowed from one IP address, across all listeners; a connection over the limit is"
                    + " closed at once. 0 is allowed only with max.connections.per.ip.overrides."));
    public static final ConfigKey<String> MAX_CONNECTIONS_PER_IP_OVERRIDES =
            def(ConfigKey.stringKey("max.connections.per.ip.overrides")
                    .defaultValue("")
                    .validator(Validator.hostCountMap())
                    .doc("Per-IP or per-host limits that replace max.connections.per.ip, as host:count pairs, e.g."
                            + " hostName:100,127.0.0.1:200; host names are resolved at startup."));
    // ---- client quotas (docs/quotas.md)
    public static final ConfigKey<Integer> QUOTA_WINDOW_NUM = def(ConfigKey.intKey("quota.window.num")
            .defaultValue(11)
            .validator(atLeast(2))
            .doc("Samples in the window over which client quotas (producer_byte_rate, consumer_byte_rate)"
                    + " are measured."));
    public static final ConfigKey<Integer> QUOTA_WINDOW_SIZE_SECONDS = def(ConfigKey.intKey("quota.window.size.seconds")
            .defaultValue(1)
            .validator(atLeast(1))
            .doc("Length of one sample of the client quota window."));
    public static final ConfigKey<Integer> MAX_PIPELINED_REQUESTS_PER_CONNECTION =
            def(ConfigKey.intKey("max.pipelined.requests.per.connection")
                    .defaultValue(1)
                    .validator(between(1, 100))
                    .doc("Sluice only: requests one client connection may have read and not yet answered; at the"
                            + " limit the broker stops reading the connection until the oldest is answered. 1 is"
                            + " Kafka's behaviour; more lets a client's pipelined requests (a producer's"
                            + " max.in.flight.requests.per.connection) be processed together, and lets a client park"
                            + " that many delayed fetches or produces per connection."));
    public static final ConfigKey<Integer> SOCKET_SEND_BUFFER_BYTES = def(ConfigKey.intKey("socket.send.buffer.bytes")
            .defaultValue(102400)
            .doc("SO_SNDBUF of server sockets; -1 uses the OS default."));
    public static final ConfigKey<Integer> SOCKET_RECEIVE_BUFFER_BYTES =
            def(ConfigKey.intKey("socket.receive.buffer.bytes")
                    .defaultValue(102400)
                    .doc("SO_RCVBUF of server sockets; -1 uses the OS default."));
    public static final ConfigKey<Integer> REQUEST_TIMEOUT_MS = def(ConfigKey.intKey("request.timeout.ms")
            .defaultValue(30000)
            .validator(atLeast(0))
            .doc("Timeout of the broker's own outbound requests."));

    // ---- group coordinator and offsets
    public static final ConfigKey<Integer> OFFSETS_TOPIC_NUM_PARTITIONS =
            def(ConfigKey.intKey("offsets.topic.num.partitions")
                    .defaultValue(50)
                    .validator(atLeast(1))
                    .doc("Partitions of __consumer_offsets."));
    public static final ConfigKey<Integer> OFFSETS_TOPIC_REPLICATION_FACTOR =
            def(ConfigKey.intKey("offsets.topic.replication.factor")
                    .defaultValue(3)
                    .validator(atLeast(1))
                    .doc("Replication factor of __consumer_offsets."));
    public static final ConfigKey<Integer> OFFSETS_RETENTION_MINUTES = def(ConfigKey.intKey("offsets.retention.minutes")
            .defaultValue(10080)
            .validator(atLeast(1))
            .doc("How long committed offsets of an empty group are kept."));
    public static final ConfigKey<Integer> GROUP_MIN_SESSION_TIMEOUT_MS =
            def(ConfigKey.intKey("group.min.session.timeout.ms")
                    .defaultValue(6000)
                    .doc("Smallest session timeout a consumer may ask for."));
    public static final ConfigKey<Integer> GROUP_MAX_SESSION_TIMEOUT_MS =
            def(ConfigKey.intKey("group.max.session.timeout.ms")
                    .defaultValue(1800000)
                    .doc("Largest session timeout a consumer may ask for."));
    public static final ConfigKey<Integer> GROUP_INITIAL_REBALANCE_DELAY_MS =
            def(ConfigKey.intKey("group.initial.rebalance.delay.ms")
                    .defaultValue(3000)
                    .validator(atLeast(0))
                    .doc("Delay of the first rebalance of an empty group."));
    public static final ConfigKey<Integer> GROUP_MAX_SIZE = def(ConfigKey.intKey("group.max.size")
            .defaultValue(Integer.MAX_VALUE)
            .validator(atLeast(1))
            .doc("Most members a consumer group may have."));
    public static final ConfigKey<Long> OFFSETS_RETENTION_CHECK_INTERVAL_MS =
            def(ConfigKey.longKey("offsets.retention.check.interval.ms")
                    .defaultValue(600000L)
                    .validator(atLeast(1))
                    .doc("How often expired committed offsets are removed."));
    public static final ConfigKey<Integer> OFFSETS_COMMIT_TIMEOUT_MS = def(ConfigKey.intKey("offsets.commit.timeout.ms")
            .defaultValue(5000)
            .validator(atLeast(1))
            .doc("How long an offset commit waits for all replicas of the offsets partition."));
    public static final ConfigKey<Integer> OFFSETS_TOPIC_SEGMENT_BYTES =
            def(ConfigKey.intKey("offsets.topic.segment.bytes")
                    .defaultValue(104857600)
                    .validator(atLeast(14))
                    .doc("segment.bytes of __consumer_offsets (small segments compact sooner)."));
    public static final ConfigKey<Integer> TRANSACTION_STATE_LOG_REPLICATION_FACTOR =
            def(ConfigKey.intKey("transaction.state.log.replication.factor")
                    .defaultValue(3)
                    .validator(atLeast(1))
                    .doc("Replication factor of __transaction_state (capped to the live brokers at creation)."));
    public static final ConfigKey<Integer> TRANSACTION_STATE_LOG_MIN_ISR =
            def(ConfigKey.intKey("transaction.state.log.min.isr")
                    .defaultValue(2)
                    .validator(atLeast(1))
                    .doc("min.insync.replicas of __transaction_state."));
    public static final ConfigKey<Integer> TRANSACTION_STATE_LOG_NUM_PARTITIONS =
            def(ConfigKey.intKey("transaction.state.log.num.partitions")
                    .defaultValue(50)
                    .validator(atLeast(1))
                    .doc("Partitions of __transaction_state."));
    public static final ConfigKey<Integer> TRANSACTION_STATE_LOG_SEGMENT_BYTES =
            def(ConfigKey.intKey("transaction.state.log.segment.bytes")
                    .defaultValue(104857600)
                    .validator(atLeast(14))
                    .doc("segment.bytes of __transaction_state."));
    public static final ConfigKey<Integer> TRANSACTION_MAX_TIMEOUT_MS =
            def(ConfigKey.intKey("transaction.max.timeout.ms")
                    .defaultValue(900000)
                    .validator(atLeast(1))
                    .doc("The largest transaction.timeout.ms a producer may ask for."));
    public static final ConfigKey<Integer> TRANSACTION_ABORT_TIMED_OUT_CLEANUP_INTERVAL_MS =
            def(ConfigKey.intKey("transaction.abort.timed.out.transaction.cleanup.interval.ms")
                    .defaultValue(10000)
                    .validator(atLeast(1))
                    .doc("How often the transaction coordinator aborts transactions past their timeout."));
    public static final ConfigKey<Integer> TRANSACTIONAL_ID_EXPIRATION_MS =
            def(ConfigKey.intKey("transactional.id.expiration.ms")
                    .defaultValue(604800000)
                    .validator(atLeast(1))
                    .doc("How long a transactional id may stay idle (no transaction, no update) before the "
                            + "coordinator expires it (a tombstone in __transaction_state)."));
    public static final ConfigKey<Integer> TRANSACTION_REMOVE_EXPIRED_CLEANUP_INTERVAL_MS =
            def(ConfigKey.intKey("transaction.remove.expired.transaction.cleanup.interval.ms")
                    .defaultValue(3600000)
                    .validator(atLeast(1))
                    .doc("How often the transaction coordinator expires idle transactional ids."));

    // ---- tiered storage (KIP-405)
    /** The built-in remote storage manager: a directory standing in for the remote store. */
    public static final String FILE_SYSTEM_RSM_CLASS = "io.sluice.replication.remote.FileSystemRemoteStorageManager";
    /** The built-in remote log metadata manager: segment metadata in ZooKeeper. */
    public static final String ZK_RLMM_CLASS = "io.sluice.broker.remote.ZkRemoteLogMetadataManager";

    public static final ConfigKey<Boolean> REMOTE_LOG_STORAGE_SYSTEM_ENABLE =
            def(ConfigKey.booleanKey("remote.log.storage.system.enable")
                    .defaultValue(false)
                    .doc("Enables tiered storage on this broker; topics may then set remote.storage.enable."));
    public static final ConfigKey<String> REMOTE_LOG_STORAGE_MANAGER_CLASS_NAME =
            def(ConfigKey.stringKey("remote.log.storage.manager.class.name")
                    .defaultValue(FILE_SYSTEM_RSM_CLASS)
                    .doc("The RemoteStorageManager implementation; the default keeps remote segments in the"
                            + " directory rsm.config.dir."));
    public static final ConfigKey<String> REMOTE_LOG_STORAGE_MANAGER_CLASS_PATH =
            def(ConfigKey.stringKey("remote.log.storage.manager.class.path")
                    .optional()
                    .doc("Class path (jars and directories, separated by the path separator) the RemoteStorageManager"
                            + " is loaded from, in its own class loader; unset: the broker's class path."));
    public static final ConfigKey<String> REMOTE_LOG_STORAGE_MANAGER_IMPL_PREFIX =
            def(ConfigKey.stringKey("remote.log.storage.manager.impl.prefix")
                    .defaultValue("rsm.config.")
                    .doc("Prefix of the broker properties passed, without it, to the RemoteStorageManager."));
    public static final ConfigKey<String> REMOTE_LOG_METADATA_MANAGER_CLASS_NAME =
            def(ConfigKey.stringKey("remote.log.metadata.manager.class.name")
                    .defaultValue(ZK_RLMM_CLASS)
                    .doc("The RemoteLogMetadataManager implementation; the default keeps segment metadata in"
                            + " ZooKeeper under /remote_log_metadata."));
    public static final ConfigKey<String> REMOTE_LOG_METADATA_MANAGER_CLASS_PATH =
            def(ConfigKey.stringKey("remote.log.metadata.manager.class.path")
                    .optional()
                    .doc("Class path the RemoteLogMetadataManager is loaded from; unset: the broker's class path."));
    public static final ConfigKey<String> REMOTE_LOG_METADATA_MANAGER_IMPL_PREFIX =
            def(ConfigKey.stringKey("remote.log.metadata.manager.impl.prefix")
                    .defaultValue("rlmm.config.")
                    .doc("Prefix of the broker properties passed, without it, to the RemoteLogMetadataManager."));
    public static final ConfigKey<String> REMOTE_LOG_METADATA_MANAGER_LISTENER_NAME =
            def(ConfigKey.stringKey("remote.log.metadata.manager.listener.name")
                    .optional()
                    .doc("Listener whose endpoint is passed to the RemoteLogMetadataManager as bootstrap.servers;"
                            + " unset: the inter-broker listener."));
    public static final ConfigKey<Long> REMOTE_LOG_MANAGER_TASK_INTERVAL_MS =
            def(ConfigKey.longKey("remote.log.manager.task.interval.ms")
                    .defaultValue(30000L)
                    .validator(atLeast(1))
                    .doc("How often each partition's remote log task copies rolled segments and applies retention."));
    public static final ConfigKey<Integer> REMOTE_LOG_MANAGER_THREAD_POOL_SIZE =
            def(ConfigKey.intKey("remote.log.manager.thread.pool.size")
                    .defaultValue(10)
                    .validator(atLeast(1))
                    .doc("Threads of the followers' remote log tasks."));
    public static final ConfigKey<Integer> REMOTE_LOG_MANAGER_COPIER_THREAD_POOL_SIZE =
            def(ConfigKey.intKey("remote.log.manager.copier.thread.pool.size")
                    .defaultValue(10)
                    .validator(atLeast(1))
                    .doc("Threads copying segments to the remote tier."));
    public static final ConfigKey<Integer> REMOTE_LOG_MANAGER_EXPIRATION_THREAD_POOL_SIZE = def(ConfigKey.intKey(
                    "remote.log.manager.expiration.thread.pool.size")
            .defaultValue(10)
            .validator(atLeast(1))
            .doc("Accepted for compatibility; remote retention runs in each leader's task on the copier pool."));
    public static final ConfigKey<Integer> REMOTE_LOG_READER_THREADS = def(ConfigKey.intKey("remote.log.reader.threads")
            .defaultValue(10)
            .validator(atLeast(1))
            .doc("Threads serving fetches from the remote tier."));
    public static final ConfigKey<Integer> REMOTE_LOG_READER_MAX_PENDING_TASKS =
            def(ConfigKey.intKey("remote.log.reader.max.pending.tasks")
                    .defaultValue(100)
                    .validator(atLeast(1))
                    .doc("Remote reads queued at most; a fetch beyond that is answered with an error and retried."));
    public static final ConfigKey<Integer> REMOTE_FETCH_MAX_WAIT_MS = def(ConfigKey.intKey("remote.fetch.max.wait.ms")
            .defaultValue(500)
            .validator(atLeast(1))
            .doc("How long a fetch waits for a read from the remote tier before it is answered without it."));
    public static final ConfigKey<Long> REMOTE_LOG_MANAGER_COPY_MAX_BYTES_PER_SECOND =
            def(ConfigKey.longKey("remote.log.manager.copy.max.bytes.per.second")
                    .defaultValue(Long.MAX_VALUE)
                    .validator(atLeast(1))
                    .doc("Copy quota. Accepted for compatibility; not enforced yet."));
    public static final ConfigKey<Long> REMOTE_LOG_MANAGER_FETCH_MAX_BYTES_PER_SECOND =
            def(ConfigKey.longKey("remote.log.manager.fetch.max.bytes.per.second")
                    .defaultValue(Long.MAX_VALUE)
                    .validator(atLeast(1))
                    .doc("Remote fetch quota. Accepted for compatibility; not enforced yet."));

    /** Every broker key, in definition order. */
    public static final ConfigDefinition DEFINITION = ConfigDefinition.of(ALL);
}
