package io.sluice.broker.config;

import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.config.BrokerConfigKeys;
import io.sluice.metadata.config.ConfigKey;
import io.sluice.metadata.config.ConfigSource;
import io.sluice.metadata.config.ConfigType;
import io.sluice.metadata.config.DescribedConfig;
import io.sluice.metadata.config.DynamicBrokerConfig;
import io.sluice.metadata.config.TopicConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Pure description of configs for DescribeConfigs, in Kafka's ZooKeeper-mode shape: every entry names where its
 * value comes from, and lists its synonyms, highest precedence first. For each broker key a synonym appears once per
 * level that has a value: this broker's dynamic value ({@code DYNAMIC_BROKER_CONFIG}), the cluster-wide dynamic default
 * ({@code DYNAMIC_DEFAULT_BROKER_CONFIG}), the properties file ({@code STATIC_BROKER_CONFIG}), the built-in default
 * ({@code DEFAULT_CONFIG}).
 *
 * <ul>
 *   <li>A topic key's synonyms are its own override ({@code DYNAMIC_TOPIC_CONFIG}) and then the broker keys it
 *       defaults from ({@link TopicConfig#brokerSynonyms}); for example {@code retention.ms} lists
 *       {@code log.retention.ms}, {@code log.retention.minutes}, {@code log.retention.hours}.
 *   <li>A broker key's synonyms are the broker keys that set the same value ({@code log.retention.ms} again lists
 *       the minutes and hours keys); its own source is that of the key itself.
 *   <li>The cluster-default broker entity ({@code BROKER} resource with an empty name) describes only the keys set in
 *       {@code /config/brokers/<default>}, as Kafka does.
 * </ul>
 *
 * <p>Sensitive values are never returned, in entries or synonyms. Thread-safety: stateless.
 */
public final class ConfigDescriber {

    /** One described config, with its synonyms (empty when there are none). */
    public record Entry(
            String name,
            String value,
            ConfigSource source,
            boolean readOnly,
            boolean sensitive,
            ConfigType type,
            String documentation,
            List<Synonym> synonyms) {}

    /** One synonym of a described config: a key and level that also supply its value. */
    public record Synonym(String name, String value, ConfigSource source) {}

    /** For each broker key that is the first default of a topic key, the broker keys that set it, in precedence order. */
    private static final Map<String, List<String>> BROKER_SYNONYMS = brokerSynonymTable();

    private ConfigDescriber() {}

    /**
     * Every topic key with its effective value.
     *
     * @throws io.sluice.metadata.config.ConfigException if the defaults or overrides are invalid
     */
    public static List<Entry> topic(
            BrokerConfig staticBroker, Map<String, String> dynamicDefaults, Map<String, String> overrides) {
        return topic(staticBroker, DynamicBrokerConfig.ofDefaults(dynamicDefaults), overrides);
    }

    /**
     * Every topic key with its effective value, on a broker with both dynamic levels.
     *
     * @throws io.sluice.metadata.config.ConfigException if the dynamic values or overrides are invalid
     */
    public static List<Entry> topic(
            BrokerConfig staticBroker, DynamicBrokerConfig dynamic, Map<String, String> overrides) {
        List<Entry> out = new ArrayList<>();
        for (DescribedConfig d : TopicConfig.describe(staticBroker, dynamic, overrides)) {
            List<Synonym> synonyms = new ArrayList<>();
            if (overrides.containsKey(d.name())) {
                synonyms.add(new Synonym(
                        d.name(), d.sensitive() ? null : overrides.get(d.name()), ConfigSource.DYNAMIC_TOPIC_CONFIG));
            }
            for (String brokerKey : TopicConfig.brokerSynonyms(d.name())) {
                synonyms.addAll(brokerLevels(brokerKey, staticBroker, dynamic));
            }
            out.add(new Entry(
                    d.name(),
                    d.sensitive() ? null : d.value(),
                    d.source(),
                    d.readOnly(),
                    d.sensitive(),
                    d.type(),
                    d.documentation(),
                    List.copyOf(synonyms)));
        }
        return out;
    }

    /**
     * Every broker key of this broker: the static config with the dynamic defaults applied. A key is read-only when
     * it is not dynamic (it can change only with a restart).
     *
     * @throws io.sluice.metadata.config.ConfigException if the dynamic defaults are invalid
     */
    public static List<Entry> broker(BrokerConfig staticBroker, Map<String, String> dynamicDefaults) {
        return broker(staticBroker, DynamicBrokerConfig.ofDefaults(dynamicDefaults));
    }

    /**
     * Every broker key of this broker: the static config with both dynamic levels applied.
     *
     * @throws io.sluice.metadata.config.ConfigException if a dynamic value is invalid
     */
    public static List<Entry> broker(BrokerConfig staticBroker, DynamicBrokerConfig dynamic) {
        BrokerConfig effective = dynamic.applyTo(staticBroker);
        List<Entry> out = new ArrayList<>();
        for (DescribedConfig d : effective.describe()) {
            List<Synonym> synonyms = new ArrayList<>();
            for (String brokerKey : BROKER_SYNONYMS.getOrDefault(d.name(), List.of(d.name()))) {
                synonyms.addAll(brokerLevels(brokerKey, staticBroker, dynamic));
            }
            ConfigSource fallback =
                    staticBroker.isSet(d.name()) ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG;
            ConfigSource source = dynamic.sourceOf(d.name()).orElse(fallback);
            out.add(new Entry(
                    d.name(),
                    d.sensitive() ? null : d.value(),
                    source,
                    d.readOnly(),
                    d.sensitive(),
                    d.type(),
                    d.documentation(),
                    List.copyOf(synonyms)));
        }
        return out;
    }

    /** The keys set as cluster-wide dynamic defaults, sorted by name. */
    public static List<Entry> clusterDefaults(Map<String, String> dynamicDefaults) {
        List<Entry> out = new ArrayList<>();
        new TreeMap<>(dynamicDefaults).forEach((name, raw) -> {
            Optional<ConfigKey<?>> key = BrokerConfigKeys.DEFINITION.find(name);
            boolean sensitive = key.map(ConfigKey::isSensitive).orElse(false);
            String value = sensitive ? null : raw;
            out.add(new Entry(
                    name,
                    value,
                    ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
                    false,
                    sensitive,
                    key.map(ConfigKey::type).orElse(ConfigType.STRING),
                    key.map(ConfigKey::doc).orElse(""),
                    List.of(new Synonym(name, value, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG))));
        });
        return out;
    }

    /** The levels at which broker key {@code name} has a value, highest precedence first. */
    private static List<Synonym> brokerLevels(String name, BrokerConfig staticBroker, DynamicBrokerConfig dynamic) {
        Optional<ConfigKey<?>> key = BrokerConfigKeys.DEFINITION.find(name);
        boolean sensitive = key.map(ConfigKey::isSensitive).orElse(false);
        List<Synonym> out = new ArrayList<>(4);
        String perBroker = dynamic.perBroker().get(name);
        if (perBroker != null) {
            out.add(new Synonym(name, sensitive ? null : perBroker, ConfigSource.DYNAMIC_BROKER_CONFIG));
        }
        String clusterDefault = dynamic.clusterDefaults().get(name);
        if (clusterDefault != null) {
            out.add(new Synonym(name, sensitive ? null : clusterDefault, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG));
        }
        if (staticBroker.isSet(name)) {
            out.add(new Synonym(
                    name, sensitive ? null : staticBroker.originals().get(name), ConfigSource.STATIC_BROKER_CONFIG));
        }
        key.flatMap(k -> k.defaultValue().map(k::render))
                .ifPresent(d -> out.add(new Synonym(name, sensitive ? null : d, ConfigSource.DEFAULT_CONFIG)));
        return out;
    }

    private static Map<String, List<String>> brokerSynonymTable() {
        Map<String, List<String>> table = new HashMap<>();
        for (ConfigKey<?> topicKey : TopicConfig.DEFINITION.keys()) {
            List<String> synonyms = TopicConfig.brokerSynonyms(topicKey.name());
            if (!synonyms.isEmpty()) {
                table.putIfAbsent(synonyms.get(0), synonyms);
            }
        }
        return Map.copyOf(table);
    }
}
