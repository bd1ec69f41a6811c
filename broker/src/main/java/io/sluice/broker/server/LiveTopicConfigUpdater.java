package io.sluice.broker.server;

import io.sluice.broker.config.ConfigManager;
import io.sluice.broker.config.TopicConfigListener;
import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.config.TopicConfig;
import io.sluice.replication.log.LogConfig;
import io.sluice.replication.log.LogManager;
import io.sluice.replication.partition.Partition;
import io.sluice.replication.partition.ReplicaManager;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies dynamic topic configuration to the partitions this broker hosts: a new {@link LogConfig} to each hosted log
 * ({@code UnifiedLog.updateConfig}: retention, segment size, flush settings take effect on the next append, roll or
 * retention run) and {@code min.insync.replicas} to each hosted partition.
 *
 * <p>When the cluster-wide dynamic defaults change, every hosted topic without overrides of its own is re-read from
 * the {@link ConfigManager} and updated the same way.
 *
 * <p>Concurrency: stateless; called on the config manager's thread. Each update takes a log's own lock briefly and
 * does no I/O.
 */
final class LiveTopicConfigUpdater implements TopicConfigListener {
    private static final Logger log = LoggerFactory.getLogger(LiveTopicConfigUpdater.class);

    private final int brokerId;
    private final ConfigManager configs;
    private final ReplicaManager replicas;
    private final LogManager logs;

    LiveTopicConfigUpdater(int brokerId, ConfigManager configs, ReplicaManager replicas, LogManager logs) {
        this.brokerId = brokerId;
        this.configs = Objects.requireNonNull(configs, "configs");
        this.replicas = Objects.requireNonNull(replicas, "replicas");
        this.logs = Objects.requireNonNull(logs, "logs");
    }

    @Override
    public void onTopicConfigChanged(String topic, TopicConfig effective) {
        apply(topic, effective);
    }

    @Override
    public void onBrokerDefaultsChanged(BrokerConfig effectiveBroker) {
        Set<String> hosted = new HashSet<>();
        for (Partition partition : replicas.partitions()) {
            hosted.add(partition.topicPartition().topic());
        }
        Set<String> withOverrides = configs.topicsWithConfig();
        for (String topic : hosted) {
            // topics with a config znode get their own onTopicConfigChanged call for this change
            if (!withOverrides.contains(topic)) {
                apply(topic, configs.topicConfig(topic));
            }
        }
    }

    /**
     * Brings {@code partitions} (those a LeaderAndIsr just applied) to their topic's current config. A partition
     * created while its topic's config znode was still on its way missed the change event (the event found no
     * partition yet, the creation read the old config); this closes that window. Looks only at the given partitions,
     * so it stays linear in the request on the LeaderAndIsr path; quiet when nothing differs.
     */
    void catchUp(Collection<TopicPartition> partitions) {
        Map<String, LogConfig> current = new HashMap<>();
        Set<String> stale = new LinkedHashSet<>();
        for (TopicPartition tp : partitions) {
            LogConfig wanted = current.computeIfAbsent(
                    tp.topic(), topic -> TopicSettingsMapping.logConfig(configs.topicConfig(topic)));
            logs.getLog(tp).filter(l -> !l.config().equals(wanted)).ifPresent(l -> stale.add(tp.topic()));
        }
        stale.forEach(topic -> apply(topic, configs.topicConfig(topic)));
    }

    private void apply(String topic, TopicConfig effective) {
        LogConfig logConfig = TopicSettingsMapping.logConfig(effective);
        int minIsr = effective.minInsyncReplicas();
        int updated = 0;
        for (Partition partition : replicas.partitions()) {
            if (!partition.topicPartition().topic().equals(topic)) {
                continue;
            }
            partition.minInsyncReplicas(minIsr);
            logs.getLog(partition.topicPartition()).ifPresent(l -> l.updateConfig(logConfig));
            updated++;
        }
        if (updated > 0) {
            log.info(
                    "[Broker {}] applied new config of topic {} to {} hosted partitions (min.insync.replicas={}, {})",
                    brokerId,
                    topic,
                    updated,
                    minIsr,
                    logConfig);
        }
    }
}
