package io.sluice.broker.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.broker.adapter.ReplicaManagerControl;
import io.sluice.broker.config.ConfigManager;
import io.sluice.broker.config.ConfigTestFixture;
import io.sluice.broker.testing.LocalReplicaManager;
import io.sluice.replication.log.LogConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.LeaderAndIsrRequestData.LeaderAndIsrPartitionState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class ConfigCatchUpControlTest {
    private static final TopicPartition TP = new TopicPartition("late", 0);

    @TempDir
    Path dir;

    private static LeaderAndIsrPartitionState leader(int partition, int epoch) {
        return new LeaderAndIsrPartitionState()
                .setTopicName(TP.topic())
                .setPartitionIndex(partition)
                .setLeader(ConfigTestFixture.BROKER_ID)
                .setLeaderEpoch(epoch)
                .setIsr(List.of(ConfigTestFixture.BROKER_ID))
                .setReplicas(List.of(ConfigTestFixture.BROKER_ID))
                .setPartitionEpoch(epoch);
    }

    @Test
    void aLogCreatedBeforeItsTopicsConfigArrivedGetsItWithTheNextLeaderAndIsr() throws Exception {
        try (ConfigTestFixture fixture = new ConfigTestFixture(
                        Files.createDirectory(dir.resolve("zk")).toFile());
                LocalReplicaManager local = new LocalReplicaManager(
                        ConfigTestFixture.BROKER_ID,
                        Files.createDirectory(dir.resolve("logs")),
                        LogConfig.defaults())) {
            ConfigManager configs = fixture.startConfigManager(ConfigTestFixture.brokerConfig());
            LiveTopicConfigUpdater updater = new LiveTopicConfigUpdater(
                    ConfigTestFixture.BROKER_ID, configs, local.replicaManager, local.logManager);
            // the change event is not delivered to the updater: as if it had fired before the partition existed
            AtomicBoolean configKnownAtCreation = new AtomicBoolean();
            ConfigCatchUpControl control = new ConfigCatchUpControl(
                    new ReplicaManagerControl(local.replicaManager, topic -> {
                        configKnownAtCreation.set(configs.topicConfig(topic).segmentBytes() == 65536);
                        return TopicSettingsMapping.topicSettings(configs.topicConfig(topic));
                    }),
                    updater);
            Map<String, Uuid> ids = Map.of(TP.topic(), Uuid.randomUuid());

            control.becomeLeaderOrFollower(1, 1, List.of(leader(0, 1)), ids);
            assertThat(configKnownAtCreation).isFalse();
            fixture.setTopicConfig(TP.topic(), Map.of("segment.bytes", "65536"));
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> configs.topicConfig(TP.topic()).segmentBytes() == 65536);
            assertThat(local.logManager.getLog(TP).orElseThrow().config().segmentBytes())
                    .as("still the default the log was created with")
                    .isNotEqualTo(65536);

            control.becomeLeaderOrFollower(1, 1, List.of(leader(0, 2)), ids);

            assertThat(local.logManager.getLog(TP).orElseThrow().config().segmentBytes())
                    .isEqualTo(65536);
        }
    }
}
