package io.sluice.metadata.config;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The dynamic levels of one broker's configuration, as kept in ZooKeeper: this broker's own overrides
 * ({@code /config/brokers/N}, source {@code DYNAMIC_BROKER_CONFIG}) over the cluster-wide defaults
 * ({@code /config/brokers/<default>}, source {@code DYNAMIC_DEFAULT_BROKER_CONFIG}), both over the properties file.
 * Only dynamic keys appear in either level ({@link BrokerConfig#validateDynamicDefaults}).
 *
 * @param perBroker this broker's dynamic overrides
 * @param clusterDefaults the cluster-wide dynamic defaults
 */
public record DynamicBrokerConfig(Map<String, String> perBroker, Map<String, String> clusterDefaults) {
    /** No dynamic value at either level. */
    public static final DynamicBrokerConfig NONE = new DynamicBrokerConfig(Map.of(), Map.of());

    public DynamicBrokerConfig {
        perBroker = Map.copyOf(Objects.requireNonNull(perBroker, "perBroker"));
        clusterDefaults = Map.copyOf(Objects.requireNonNull(clusterDefaults, "clusterDefaults"));
    }

    /** Only cluster-wide defaults. */
    public static DynamicBrokerConfig ofDefaults(Map<String, String> clusterDefaults) {
        return new DynamicBrokerConfig(Map.of(), clusterDefaults);
    }

    /** The values in effect from the dynamic levels: a per-broker value wins over the cluster default of its key. */
    public Map<String, String> merged() {
        Map<String, String> merged = new HashMap<>(clusterDefaults);
        merged.putAll(perBroker);
        return Map.copyOf(merged);
    }

    /**
     * The static config with both dynamic levels applied.
     *
     * @throws ConfigException if a dynamic value is invalid or conflicts with the static config
     */
    public BrokerConfig applyTo(BrokerConfig staticConfig) {
        return staticConfig.withOverrides(merged());
    }

    /** The dynamic level that sets {@code key}, the per-broker one first; empty if neither does. */
    public Optional<ConfigSource> sourceOf(String key) {
        if (perBroker.containsKey(key)) {
            return Optional.of(ConfigSource.DYNAMIC_BROKER_CONFIG);
        }
        if (clusterDefaults.containsKey(key)) {
            return Optional.of(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
        }
        return Optional.empty();
    }

    public DynamicBrokerConfig withPerBroker(Map<String, String> overrides) {
        return new DynamicBrokerConfig(overrides, clusterDefaults);
    }

    public DynamicBrokerConfig withClusterDefaults(Map<String, String> defaults) {
        return new DynamicBrokerConfig(perBroker, defaults);
    }
}
