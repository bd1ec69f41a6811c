package io.sluice.metadata.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.metadata.model.Endpoint;
import io.sluice.metadata.model.SecurityProtocol;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(10)
class BrokerConfigTest {

    private static Map<String, String> minimal(String... kv) {
        Map<String, String> m = new HashMap<>();
        m.put("broker.id", "1");
        m.put("zookeeper.connect", "127.0.0.1:2181");
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private static BrokerConfig config(String... kv) {
        return BrokerConfig.fromMap(minimal(kv), () -> "local.test");
    }

    @Test
    void kafkaDefaults() {
        BrokerConfig c = config();
        assertThat(c.brokerId()).isEqualTo(1);
        assertThat(c.listeners()).containsExactly(Endpoint.plaintext("", 9092));
        assertThat(c.advertisedListeners()).containsExactly(Endpoint.plaintext("local.test", 9092));
        assertThat(c.interBrokerListenerName()).isEqualTo("PLAINTEXT");
        assertThat(c.zookeeperSessionTimeoutMs()).isEqualTo(18000);
        assertThat(c.zookeeperConnectionTimeoutMs()).isEqualTo(18000);
        assertThat(c.logDirs()).containsExactly(Path.of("/tmp/sluice-logs"));
        assertThat(c.numRecoveryThreadsPerDataDir()).isEqualTo(1);
        assertThat(c.autoCreateTopicsEnable()).isTrue();
        assertThat(c.deleteTopicEnable()).isTrue();
        assertThat(c.rack()).isEmpty();
        assertThat(c.numPartitions()).isEqualTo(1);
        assertThat(c.defaultReplicationFactor()).isEqualTo(1);
        assertThat(c.minInsyncReplicas()).isEqualTo(1);
        assertThat(c.uncleanLeaderElectionEnable()).isFalse();
        assertThat(c.replicaLagTimeMaxMs()).isEqualTo(30000);
        assertThat(c.logSegmentBytes()).isEqualTo(1 << 30);
        assertThat(c.logRollMs()).isEqualTo(168L * 3_600_000);
        assertThat(c.logRetentionMs()).isEqualTo(168L * 3_600_000);
        assertThat(c.logRetentionBytes()).isEqualTo(-1);
        assertThat(c.logIndexIntervalBytes()).isEqualTo(4096);
        assertThat(c.logIndexSizeMaxBytes()).isEqualTo(10 * 1024 * 1024);
        assertThat(c.logFlushIntervalMessages()).isEqualTo(Long.MAX_VALUE);
        assertThat(c.logFlushIntervalMs()).isEqualTo(Long.MAX_VALUE);
        assertThat(c.logRetentionCheckIntervalMs()).isEqualTo(300000);
        assertThat(c.logSegmentDeleteDelayMs()).isEqualTo(60000);
        assertThat(c.messageMaxBytes()).isEqualTo(1048588);
        assertThat(c.compressionType()).isEqualTo("producer");
        assertThat(c.autoLeaderRebalanceEnable()).isTrue();
        assertThat(c.leaderImbalanceCheckIntervalSeconds()).isEqualTo(300);
        assertThat(c.leaderImbalancePerBrokerPercentage()).isEqualTo(10);
        assertThat(c.numNetworkThreads()).isEqualTo(3);
        assertThat(c.numIoThreads()).isEqualTo(8);
        assertThat(c.queuedMaxRequests()).isEqualTo(500);
        assertThat(c.socketRequestMaxBytes()).isEqualTo(104857600);
        assertThat(c.replicaFetchMaxBytes()).isEqualTo(1048576);
        assertThat(c.replicaFetchResponseMaxBytes()).isEqualTo(10 * 1024 * 1024);
        assertThat(c.replicaFetchWaitMaxMs()).isEqualTo(500);
        assertThat(c.replicaFetchMinBytes()).isEqualTo(1);
        assertThat(c.numReplicaFetchers()).isEqualTo(1);
        assertThat(c.controlledShutdownEnable()).isTrue();
        assertThat(c.controllerSocketTimeoutMs()).isEqualTo(30000);
        assertThat(c.requestTimeoutMs()).isEqualTo(30000);
        assertThat(c.metricsPort()).isEqualTo(9404);
        assertThat(c.offsetsTopicNumPartitions()).isEqualTo(50);
        assertThat(c.offsetsTopicReplicationFactor()).isEqualTo(3);
        assertThat(c.groupMinSessionTimeoutMs()).isEqualTo(6000);
        assertThat(c.groupMaxSessionTimeoutMs()).isEqualTo(1800000);
        assertThat(c.groupInitialRebalanceDelayMs()).isEqualTo(3000);
        assertThat(c.offsetsRetentionMinutes()).isEqualTo(10080);
        assertThat(c.logCleanerEnable()).isTrue();
        assertThat(c.logCleanerThreads()).isEqualTo(1);
        assertThat(c.get(BrokerConfigKeys.LOG_CLEANER_MIN_CLEANABLE_RATIO)).isEqualTo(0.5);
        assertThat(c.get(BrokerConfigKeys.LOG_CLEANER_DELETE_RETENTION_MS)).isEqualTo(86400000L);
        assertThat(c.logCleanupPolicy()).containsExactly("delete");
        assertThat(c.warnings()).isEmpty();
    }

    @Test
    void overridesAreTyped() {
        BrokerConfig c = config(
                "listeners", "PLAINTEXT://0.0.0.0:19092,INTERNAL://127.0.0.1:19093",
                "advertised.listeners", "PLAINTEXT://broker-1.example:19092,INTERNAL://127.0.0.1:19093",
                "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT",
                "inter.broker.listener.name", "internal",
                "broker.rack", "rack-a",
                "log.dirs", "/d1, /d2",
                "log.dir", "/ignored",
                "min.insync.replicas", "2",
                "default.replication.factor", "3",
                "unclean.leader.election.enable", "true",
                "log.flush.interval.ms", "1000",
                "compression.type", "zstd",
                "metrics.port", "0");
        assertThat(c.listeners())
                .containsExactly(
                        Endpoint.plaintext("0.0.0.0", 19092),
                        new Endpoint("INTERNAL", SecurityProtocol.PLAINTEXT, "127.0.0.1", 19093));
        assertThat(c.advertisedListeners().get(0)).isEqualTo(Endpoint.plaintext("broker-1.example", 19092));
        assertThat(c.interBrokerListenerName()).isEqualTo("INTERNAL");
        assertThat(c.rack()).contains("rack-a");
        assertThat(c.logDirs()).containsExactly(Path.of("/d1"), Path.of("/d2"));
        assertThat(c.minInsyncReplicas()).isEqualTo(2);
        assertThat(c.uncleanLeaderElectionEnable()).isTrue();
        assertThat(c.logFlushIntervalMs()).isEqualTo(1000);
        assertThat(c.compressionType()).isEqualTo("zstd");
        assertThat(c.metricsPort()).isZero();
        assertThat(c.warnings()).anyMatch(w -> w.contains("log.dir is ignored"));
    }

    @Test
    void retentionPrecedenceIsMsThenMinutesThenHours() {
        assertThat(config("log.retention.hours", "1").logRetentionMs()).isEqualTo(3_600_000L);
        assertThat(config("log.retention.hours", "1", "log.retention.minutes", "2")
                        .logRetentionMs())
                .isEqualTo(120_000L);
        assertThat(config("log.retention.hours", "1", "log.retention.minutes", "2", "log.retention.ms", "3")
                        .logRetentionMs())
                .isEqualTo(3L);
        assertThat(config("log.retention.ms", "-1", "log.retention.hours", "5").logRetentionMs())
                .isEqualTo(-1L);
        assertThat(config("log.retention.hours", "-1").logRetentionMs()).isEqualTo(-1L);
        assertThat(config("log.roll.hours", "2").logRollMs()).isEqualTo(7_200_000L);
        assertThat(config("log.roll.hours", "2", "log.roll.ms", "5").logRollMs())
                .isEqualTo(5L);
    }

    @Test
    void connectionLimitsDefaultLikeKafkaAndParseOverrides() {
        BrokerConfig defaults = config();
        assertThat(defaults.connectionsMaxIdleMs()).isEqualTo(600_000L);
        assertThat(defaults.maxConnections()).isEqualTo(Integer.MAX_VALUE);
        assertThat(defaults.maxConnectionsPerIp()).isEqualTo(Integer.MAX_VALUE);
        assertThat(defaults.maxConnectionsPerIpOverrides()).isEmpty();
        assertThat(defaults.maxPipelinedRequestsPerConnection()).isEqualTo(1);
        assertThat(config("max.pipelined.requests.per.connection", "5").maxPipelinedRequestsPerConnection())
                .isEqualTo(5);

        BrokerConfig c = config(
                "connections.max.idle.ms", "-1",
                "max.connections", "1000",
                "max.connections.per.ip", "0",
                "max.connections.per.ip.overrides", " hostName:100 , 127.0.0.1:200,::1:7,other:0");
        assertThat(c.connectionsMaxIdleMs()).isEqualTo(-1L);
        assertThat(c.maxConnections()).isEqualTo(1000);
        assertThat(c.maxConnectionsPerIp()).isZero();
        assertThat(c.maxConnectionsPerIpOverrides())
                .containsExactly(
                        Map.entry("hostName", 100),
                        Map.entry("127.0.0.1", 200),
                        Map.entry("::1", 7),
                        Map.entry("other", 0));
    }

    @Test
    void chrootIsSplitFromTheConnectString() {
        ZkConnect zk =
                config("zookeeper.connect", "z1:2181,z2:2181/sluice/prod").zookeeperConnect();
        assertThat(zk.connectString()).isEqualTo("z1:2181,z2:2181");
        assertThat(zk.chroot()).contains("/sluice/prod");
        assertThat(zk.namespace()).isEqualTo("sluice/prod");
        ZkConnect plain = config("zookeeper.connect", "z1:2181").zookeeperConnect();
        assertThat(plain.chroot()).isEmpty();
        assertThat(plain.namespace()).isNull();
        assertThat(ZkConnect.parse("z:1/").chroot()).isEmpty();
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "broker.id|-1|Value must be at least 0",
                "broker.id|one|Not a number of type INT",
                "zookeeper.connect|/chroot-only|No ZooKeeper host",
                "zookeeper.connect|z:1/a/|Malformed chroot",
                "zookeeper.connect|z:1,,z:2|Empty host",
                "listeners|PLAINTEXT:/9092|is not of the form NAME://host:port",
                "listeners|UNKNOWN://:9092|No security protocol defined for listener UNKNOWN",
                "listeners|PLAINTEXT://:9092,PLAINTEXT://:9093|must have a different name",
                "listeners|PLAINTEXT://:99999|Port out of range",
                "listeners|PLAINTEXT://0.0.0.0:9092|non-routable meta-address",
                "advertised.listeners|OTHER://h:1|No security protocol defined",
                "advertised.listeners|SSL://h:1|must also be defined in listeners",
                "listener.security.protocol.map|PLAINTEXT:FOO|Unknown security protocol FOO",
                "inter.broker.listener.name|SSL|Must be the name of one of the listeners",
                "zookeeper.session.timeout.ms|0|Value must be at least 1",
                "num.io.threads|0|Value must be at least 1",
                "log.segment.bytes|10|Value must be at least 14",
                "log.retention.ms|-2|Value must be at least -1",
                "log.retention.hours|x|Not a number of type INT",
                "compression.type|brotli|String must be one of",
                "log.cleanup.policy|remove|Each element must be one of",
                "log.cleaner.min.cleanable.ratio|1.5|no more than 1",
                "leader.imbalance.per.broker.percentage|101|no more than 100",
                "unclean.leader.election.enable|maybe|true or false",
                "metrics.port|70000|no more than 65535",
                "group.min.session.timeout.ms|2000000|Must not exceed group.max.session.timeout.ms",
                "connections.max.idle.ms|0|-1 (off) or at least 1",
                "connections.max.idle.ms|soon|Not a number of type LONG",
                "max.connections|-1|Value must be at least 0",
                "max.connections.per.ip|-5|Value must be at least 0",
                "max.connections.per.ip|0|only if max.connections.per.ip.overrides is set",
                "max.connections.per.ip.overrides|host1|Expected host:count pairs",
                "max.connections.per.ip.overrides|host1:many|not an integer",
                "max.connections.per.ip.overrides|host1:-1|must be at least 0",
                "max.connections.per.ip.overrides|h:1,h:2|named twice",
                "max.connections.per.ip.overrides|:3|Expected host:count pairs",
                "max.pipelined.requests.per.connection|0|Value must be at least 1",
                "not.a.broker.key|1|Unknown configuration not.a.broker.key",
            })
    void badInputNamesTheKey(String key, String value, String message) {
        assertThatThrownBy(() -> config(key, value))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.key()).isEqualTo(key))
                .hasMessageContaining(key)
                .hasMessageContaining(message);
    }

    @Test
    void missingRequiredKeysAreNamed() {
        assertThatThrownBy(() -> BrokerConfig.fromMap(Map.of("zookeeper.connect", "z:1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("broker.id");
        assertThatThrownBy(() -> BrokerConfig.fromMap(Map.of("broker.id", "1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("zookeeper.connect");
    }

    @Test
    void riskyButLegalCombinationsWarn() {
        BrokerConfig c = config(
                "replica.lag.time.max.ms", "10000",
                "zookeeper.session.timeout.ms", "18000",
                "min.insync.replicas", "2");
        assertThat(c.warnings())
                .anyMatch(w ->
                        w.contains("replica.lag.time.max.ms=10000") && w.contains("zookeeper.session.timeout.ms=18000"))
                .anyMatch(w -> w.contains("min.insync.replicas=2"));
    }

    @Test
    void fromFileReadsServerProperties(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("server.properties");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "# Kafka-style server.properties",
                        "broker.id=0",
                        "listeners=PLAINTEXT://127.0.0.1:9092",
                        "num.network.threads=3",
                        "num.io.threads=8",
                        "socket.send.buffer.bytes=102400",
                        "socket.receive.buffer.bytes=102400",
                        "socket.request.max.bytes=104857600",
                        "log.dirs=" + dir.resolve("logs"),
                        "num.partitions=1",
                        "num.recovery.threads.per.data.dir=1",
                        "offsets.topic.replication.factor=1",
                        "transaction.state.log.replication.factor=1",
                        "transaction.state.log.min.isr=1",
                        "log.retention.hours=168",
                        "log.retention.check.interval.ms=300000",
                        "zookeeper.connect=127.0.0.1:2181/sluice",
                        "zookeeper.connection.timeout.ms=18000",
                        "group.initial.rebalance.delay.ms=0",
                        ""),
                StandardCharsets.ISO_8859_1);
        BrokerConfig c = BrokerConfig.fromFile(file);
        assertThat(c.brokerId()).isZero();
        assertThat(c.advertisedListeners()).containsExactly(Endpoint.plaintext("127.0.0.1", 9092));
        assertThat(c.logDirs()).containsExactly(dir.resolve("logs"));
        assertThat(c.zookeeperConnect().chroot()).contains("/sluice");
        assertThat(c.groupInitialRebalanceDelayMs()).isZero();
        assertThat(c.offsetsTopicReplicationFactor()).isEqualTo(1);
    }

    @Test
    void withOverridesRevalidates() {
        BrokerConfig base = config("num.partitions", "3");
        BrokerConfig changed = base.withOverrides(Map.of("log.retention.ms", "1000", "num.partitions", "6"));
        assertThat(changed.numPartitions()).isEqualTo(6);
        assertThat(changed.logRetentionMs()).isEqualTo(1000);
        assertThat(base.numPartitions()).isEqualTo(3);
        assertThat(changed.advertisedListeners()).isEqualTo(base.advertisedListeners());
        assertThatThrownBy(() -> base.withOverrides(Map.of("num.partitions", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("num.partitions");
    }

    @Test
    void describeReportsSourceAndReadOnly() {
        List<DescribedConfig> described = config("num.partitions", "3").describe();
        assertThat(described)
                .filteredOn(d -> d.name().equals("num.partitions"))
                .singleElement()
                .satisfies(d -> {
                    assertThat(d.value()).isEqualTo("3");
                    assertThat(d.source()).isEqualTo(ConfigSource.STATIC_BROKER_CONFIG);
                    assertThat(d.readOnly()).isTrue();
                    assertThat(d.type()).isEqualTo(ConfigType.INT);
                });
        assertThat(described)
                .filteredOn(d -> d.name().equals("log.retention.bytes"))
                .singleElement()
                .satisfies(d -> {
                    assertThat(d.value()).isEqualTo("-1");
                    assertThat(d.source()).isEqualTo(ConfigSource.DEFAULT_CONFIG);
                    assertThat(d.readOnly()).isFalse();
                });
        assertThat(described)
                .extracting(DescribedConfig::name)
                .hasSize(BrokerConfigKeys.DEFINITION.keys().size());
    }

    @Test
    void dynamicDefaultsMustBeDynamicKeys() {
        BrokerConfig.validateDynamicDefaults(Map.of("log.retention.ms", "1000", "min.insync.replicas", "2"));
        assertThatThrownBy(() -> BrokerConfig.validateDynamicDefaults(Map.of("broker.id", "3")))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.key()).isEqualTo("broker.id"))
                .hasMessageContaining("read-only");
        assertThatThrownBy(() -> BrokerConfig.validateDynamicDefaults(Map.of("no.such", "3")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("no.such");
        assertThatThrownBy(() -> BrokerConfig.validateDynamicDefaults(Map.of("min.insync.replicas", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("min.insync.replicas");
    }
}
