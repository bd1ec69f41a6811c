package io.sluice.broker.config;

import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.config.TopicConfig;

/**
 * Told by {@link ConfigManager} when effective configuration changes, so running components (the replica manager's
 * logs: retention, segment size, {@code min.insync.replicas}, unclean election) apply it live.
 *
 * <p>Callbacks run on the config manager's single thread, in the order the changes were read; they must be quick and
 * must not block on ZooKeeper or the disk (hand long work to another thread). An exception is logged and does not
 * stop other listeners.
 */
public interface TopicConfigListener {

    /**
     * The effective config of a topic that has a {@code /config/topics/T} znode changed (its overrides or the
     * defaults under them), or the znode was removed and the topic fell back to the broker defaults.
     */
    void onTopicConfigChanged(String topic, TopicConfig effective);

    /**
     * The cluster-wide dynamic defaults ({@code /config/brokers/<default>}) changed. Topics without a config znode now
     * resolve to new values: re-read them with {@link ConfigManager#topicConfig(String)}. Called before the
     * {@link #onTopicConfigChanged} calls this change causes.
     *
     * @param effectiveBroker the static broker config with the new dynamic defaults applied
     */
    default void onBrokerDefaultsChanged(BrokerConfig effectiveBroker) {}
}
