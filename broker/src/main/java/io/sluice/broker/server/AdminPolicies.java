package io.sluice.broker.server;

import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.config.BrokerConfigKeys;
import io.sluice.metadata.config.Plugins;
import java.util.Optional;
import org.apache.kafka.server.policy.AlterConfigPolicy;
import org.apache.kafka.server.policy.CreateTopicPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's admin policies, Kafka's plugin interfaces: {@code create.topic.policy.class.name} (consulted by the
 * controller for every topic creation) and {@code alter.config.policy.class.name} (consulted by
 * IncrementalAlterConfigs). Each is instantiated once at startup and configured with the broker's configuration, as
 * Kafka does; {@link #close()} closes them at shutdown, after the components using them stopped.
 *
 * <p>Concurrency: immutable holder; the policies themselves are called from the controller's event thread (create)
 * and the request handler threads (alter), so an alter-config policy must be thread-safe, as in Kafka.
 */
final class AdminPolicies implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminPolicies.class);

    private final Optional<CreateTopicPolicy> createTopic;
    private final Optional<AlterConfigPolicy> alterConfig;

    private AdminPolicies(Optional<CreateTopicPolicy> createTopic, Optional<AlterConfigPolicy> alterConfig) {
        this.createTopic = createTopic;
        this.alterConfig = alterConfig;
    }

    /**
     * Instantiates and configures the configured policies.
     *
     * @throws io.sluice.metadata.config.ConfigException naming the key if a class cannot be instantiated or configured
     */
    static AdminPolicies load(BrokerConfig config) {
        Optional<CreateTopicPolicy> create = Plugins.newConfiguredInstance(
                config, BrokerConfigKeys.CREATE_TOPIC_POLICY_CLASS_NAME, CreateTopicPolicy.class);
        Optional<AlterConfigPolicy> alter;
        try {
            alter = Plugins.newConfiguredInstance(
                    config, BrokerConfigKeys.ALTER_CONFIG_POLICY_CLASS_NAME, AlterConfigPolicy.class);
        } catch (RuntimeException e) {
            create.ifPresent(p -> closeQuietly(config.brokerId(), p));
            throw e;
        }
        create.ifPresent(p -> log.info(
                "[Broker {}] topic creations are checked by {}",
                config.brokerId(),
                p.getClass().getName()));
        alter.ifPresent(p -> log.info(
                "[Broker {}] config alterations are checked by {}",
                config.brokerId(),
                p.getClass().getName()));
        return new AdminPolicies(create, alter);
    }

    Optional<CreateTopicPolicy> createTopic() {
        return createTopic;
    }

    Optional<AlterConfigPolicy> alterConfig() {
        return alterConfig;
    }

    @Override
    public void close() {
        createTopic.ifPresent(p -> closeQuietly(-1, p));
        alterConfig.ifPresent(p -> closeQuietly(-1, p));
    }

    private static void closeQuietly(int brokerId, AutoCloseable policy) {
        try {
            policy.close();
        } catch (Exception e) {
            log.warn(
                    "[Broker {}] closing policy {} failed",
                    brokerId,
                    policy.getClass().getName(),
                    e);
        }
    }
}
