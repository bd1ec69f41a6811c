package io.sluice.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.config.TopicConfig;
import io.sluice.metadata.zk.ConfigEntityZNode;
import io.sluice.metadata.zk.ZkStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

@Timeout(60)
class ConfigManagerTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final long DEFAULT_RETENTION_MS = 168L * 60 * 60 * 1000;

    @TempDir
    Path dataDir;

    private ConfigTestFixture fixture;
    private final RecordingListener listener = new RecordingListener();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger managerLogger = (Logger) LoggerFactory.getLogger(ConfigManager.class);
    private Level previousLevel;

    @BeforeEach
    void start() throws Exception {
        fixture = new ConfigTestFixture(dataDir.toFile());
        logs.start();
        managerLogger.addAppender(logs);
        // the reconnection test waits for an INFO line, whatever level the build runs tests with
        previousLevel = managerLogger.getLevel();
        managerLogger.setLevel(Level.INFO);
    }

    @AfterEach
    void stop() throws Exception {
        managerLogger.detachAppender(logs);
        managerLogger.setLevel(previousLevel);
        fixture.close();
    }

    /** What listeners were told, in order. */
    record Change(String topic, TopicConfig effective) {}

    static final class RecordingListener implements TopicConfigListener {
        final List<Change> topicChanges = new CopyOnWriteArrayList<>();
        final List<BrokerConfig> defaultChanges = new CopyOnWriteArrayList<>();

        @Override
        public void onTopicConfigChanged(String topic, TopicConfig effective) {
            topicChanges.add(new Change(topic, effective));
        }

        @Override
        public void onBrokerDefaultsChanged(BrokerConfig effectiveBroker) {
            defaultChanges.add(effectiveBroker);
        }

        boolean told(String topic, long retentionMs) {
            return topicChanges.stream()
                    .anyMatch(c -> c.topic().equals(topic) && c.effective().retentionMs() == retentionMs);
        }
    }

    private ConfigManager manager() throws InterruptedException {
        ConfigManager manager = fixture.startConfigManager(ConfigTestFixture.brokerConfig());
        manager.addListener(listener);
        return manager;
    }

    private boolean logged(String fragment) {
        synchronized (logs.list) {
            return logs.list.stream().anyMatch(e -> e.getFormattedMessage().contains(fragment));
        }
    }

    @Test
    void loadsTheDefaultsAndTopicConfigsThatExistAtStart() throws Exception {
        fixture.setBrokerDefaults(Map.of("log.retention.ms", "5000"));
        fixture.setTopicConfig("orders", Map.of("segment.bytes", "1048576"));

        ConfigManager manager = manager();

        assertThat(manager.dynamicBrokerDefaults()).containsExactly(Map.entry("log.retention.ms", "5000"));
        assertThat(manager.topicOverrides("orders")).containsExactly(Map.entry("segment.bytes", "1048576"));
        TopicConfig orders = manager.topicConfig("orders");
        assertThat(orders.segmentBytes()).isEqualTo(1048576);
        assertThat(orders.retentionMs()).isEqualTo(5000L);
        assertThat(orders.isOverridden("segment.bytes")).isTrue();
        TopicConfig unknown = manager.topicConfig("no-znode");
        assertThat(unknown.segmentBytes()).isEqualTo(536870912); // static broker value
        assertThat(unknown.retentionMs()).isEqualTo(5000L); // dynamic default
        assertThat(manager.effectiveBrokerConfig().logRetentionMs()).isEqualTo(5000L);
        assertThat(listener.topicChanges).isEmpty();
    }

    @Test
    void seesANewTopicConfigAndItsChangesAndTellsListeners() throws Exception {
        ConfigManager manager = manager();
        assertThat(manager.topicConfig("payments").retentionMs()).isEqualTo(DEFAULT_RETENTION_MS);

        fixture.setTopicConfig("payments", Map.of("retention.ms", "1000"));
        await().atMost(WAIT).until(() -> manager.topicConfig("payments").retentionMs() == 1000L);
        await().atMost(WAIT).until(() -> listener.told("payments", 1000L));

        fixture.setTopicConfig("payments", Map.of("retention.ms", "2000", "min.insync.replicas", "2"));
        await().atMost(WAIT).until(() -> listener.told("payments", 2000L));
        assertThat(manager.topicConfig("payments").minInsyncReplicas()).isEqualTo(2);

        // the watch is re-armed after every change
        fixture.setTopicConfig("payments", Map.of("retention.ms", "3000"));
        await().atMost(WAIT).until(() -> listener.told("payments", 3000L));
        assertThat(manager.topicConfig("payments").minInsyncReplicas()).isEqualTo(1);
        assertThat(listener.topicChanges).extracting(Change::topic).containsOnly("payments");
    }

    @Test
    void brokerDefaultChangesReachTopicsThatDoNotOverrideTheKey() throws Exception {
        fixture.setTopicConfig("pinned", Map.of("retention.ms", "1000"));
        fixture.setTopicConfig("sized", Map.of("segment.bytes", "1048576"));
        ConfigManager manager = manager();

        fixture.setBrokerDefaults(Map.of("log.retention.ms", "7000", "unclean.leader.election.enable", "true"));

        await().atMost(WAIT).until(() -> listener.told("sized", 7000L));
        assertThat(listener.defaultChanges).hasSize(1);
        assertThat(listener.defaultChanges.get(0).uncleanLeaderElectionEnable()).isTrue();
        assertThat(manager.topicConfig("sized").retentionMs()).isEqualTo(7000L);
        assertThat(manager.topicConfig("sized").uncleanLeaderElectionEnable()).isTrue();
        assertThat(manager.topicConfig("pinned").retentionMs()).isEqualTo(1000L);
        assertThat(manager.topicConfig("pinned").uncleanLeaderElectionEnable()).isTrue();
        assertThat(manager.topicConfig("no-znode").retentionMs()).isEqualTo(7000L);
        // the pinned topic changed too (unclean election), but never its retention
        assertThat(listener.topicChanges)
                .filteredOn(c -> c.topic().equals("pinned"))
                .allMatch(c -> c.effective().retentionMs() == 1000L);
    }

    @Test
    void aMalformedZnodeIsLoggedWithItsPathAndIgnored() throws Exception {
        fixture.setTopicConfig("logs", Map.of("retention.ms", "1000"));
        ConfigManager manager = manager();
        String path = ConfigEntityZNode.topicPath("logs");

        fixture.writeRaw(path, "{not json");
        await().atMost(WAIT).until(() -> logged("ignoring malformed config znode " + path));
        assertThat(manager.topicConfig("logs").retentionMs()).isEqualTo(1000L);

        fixture.writeRaw(path, "{\"version\":1,\"config\":{\"retention.ms\":\"soon\"}}");
        await().atMost(WAIT)
                .until(() -> logs.list.stream()
                        .filter(e -> e.getFormattedMessage().contains(path))
                        .anyMatch(e -> e.getFormattedMessage().contains("retention.ms")));
        assertThat(manager.topicConfig("logs").retentionMs()).isEqualTo(1000L);
        assertThat(manager.topicOverrides("logs")).containsExactly(Map.entry("retention.ms", "1000"));

        // still watched: a valid value is picked up again
        fixture.setTopicConfig("logs", Map.of("retention.ms", "4000"));
        await().atMost(WAIT).until(() -> manager.topicConfig("logs").retentionMs() == 4000L);
    }

    @Test
    void malformedBrokerDefaultsKeepThePreviousDefaults() throws Exception {
        fixture.setBrokerDefaults(Map.of("log.retention.ms", "5000"));
        ConfigManager manager = manager();

        fixture.setBrokerDefaults(Map.of("broker.id", "9")); // not a dynamic key
        String path = ConfigEntityZNode.brokerDefaultPath();
        await().atMost(WAIT).until(() -> logged("ignoring malformed config znode " + path));
        assertThat(manager.dynamicBrokerDefaults()).containsExactly(Map.entry("log.retention.ms", "5000"));
        assertThat(manager.topicConfig("any").retentionMs()).isEqualTo(5000L);
        assertThat(listener.defaultChanges).isEmpty();
    }

    @Test
    void thisBrokersOwnDynamicValuesWinOverTheDefaultsAndAMalformedOneIsIgnored() throws Exception {
        fixture.setBrokerDefaults(Map.of("log.retention.ms", "5000"));
        ConfigManager manager = manager();
        String path = ConfigEntityZNode.brokerPath(ConfigTestFixture.BROKER_ID);

        fixture.writeRaw(path, ConfigEntityZNode.encode(Map.of("log.retention.ms", "3000")));
        await().atMost(WAIT).until(() -> manager.topicConfig("any").retentionMs() == 3000L);
        assertThat(manager.dynamicBrokerConfig().perBroker()).containsExactly(Map.entry("log.retention.ms", "3000"));
        assertThat(manager.dynamicBrokerDefaults()).containsExactly(Map.entry("log.retention.ms", "5000"));
        assertThat(manager.effectiveBrokerConfig().logRetentionMs()).isEqualTo(3000L);
        await().atMost(WAIT).until(() -> listener.defaultChanges.size() == 1);

        fixture.writeRaw(path, "{not json");
        await().atMost(WAIT).until(() -> logged("ignoring malformed config znode " + path));
        assertThat(manager.topicConfig("any").retentionMs()).isEqualTo(3000L);

        // another broker's znode is not this broker's business
        fixture.writeRaw(
                ConfigEntityZNode.brokerPath(ConfigTestFixture.BROKER_ID + 1),
                ConfigEntityZNode.encode(Map.of("log.retention.ms", "1")));
        fixture.store().delete(path, -1);
        await().atMost(WAIT).until(() -> manager.topicConfig("any").retentionMs() == 5000L);
        assertThat(manager.dynamicBrokerConfig().perBroker()).isEmpty();
    }

    @Test
    void aRemovedConfigZnodeFallsBackToTheDefaults() throws Exception {
        fixture.setTopicConfig("gone", Map.of("retention.ms", "1000"));
        ConfigManager manager = manager();

        fixture.store().delete(ConfigEntityZNode.topicPath("gone"), -1);

        await().atMost(WAIT).until(() -> listener.told("gone", DEFAULT_RETENTION_MS));
        assertThat(manager.topicConfig("gone").retentionMs()).isEqualTo(DEFAULT_RETENTION_MS);
        assertThat(manager.topicsWithConfig()).doesNotContain("gone");

        // and a re-created znode is followed again
        fixture.setTopicConfig("gone", Map.of("retention.ms", "2500"));
        await().atMost(WAIT).until(() -> manager.topicConfig("gone").retentionMs() == 2500L);
    }

    @Test
    void watchesAreReArmedAfterTheSessionExpires() throws Exception {
        ZkStore session = fixture.store();
        ConfigManager manager = new ConfigManager(ConfigTestFixture.brokerConfig(), session, Duration.ofMillis(100));
        try {
            manager.start();
            manager.addListener(listener);
            fixture.expireSession(session);
            await().atMost(WAIT).until(() -> logged("reconnected to ZooKeeper"));

            fixture.setTopicConfig("after-expiry", Map.of("retention.ms", "1234"));
            fixture.setBrokerDefaults(Map.of("log.segment.bytes", "2097152"));

            await().atMost(WAIT).until(() -> manager.topicConfig("after-expiry").retentionMs() == 1234L);
            await().atMost(WAIT).until(() -> manager.topicConfig("other").segmentBytes() == 2097152);
            // the re-read is done; these can only arrive through re-armed watches
            fixture.setTopicConfig("after-expiry", Map.of("retention.ms", "5678"));
            fixture.setTopicConfig("newer", Map.of("retention.ms", "42"));
            await().atMost(WAIT).until(() -> listener.told("after-expiry", 5678L));
            await().atMost(WAIT).until(() -> listener.told("newer", 42L));
        } finally {
            manager.close();
        }
    }

    @Test
    void startsOnceAndClosesIdempotently() throws Exception {
        fixture.setTopicConfig("kept", Map.of("retention.ms", "1000"));
        ConfigManager manager = manager();
        assertThatThrownBy(manager::start).isInstanceOf(IllegalStateException.class);

        manager.close();
        manager.close();
        assertThatThrownBy(manager::start).isInstanceOf(IllegalStateException.class);
        // the last snapshot stays readable
        assertThat(manager.topicConfig("kept").retentionMs()).isEqualTo(1000L);
        assertThat(logs.list.stream().filter(e -> e.getFormattedMessage().endsWith(" closed")))
                .hasSize(1);
    }
}
