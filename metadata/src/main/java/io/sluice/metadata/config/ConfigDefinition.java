package io.sluice.metadata.config;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * An immutable registry of {@link ConfigKey}s and the parser that turns raw string properties into typed, validated
 * {@link ConfigValues}. Parsing is strict: an unknown key, a value of the wrong type, a value out of range and a
 * missing required key each fail with a {@link ConfigException} naming the key.
 */
public final class ConfigDefinition {
    private final Map<String, ConfigKey<?>> keys;

    private ConfigDefinition(Map<String, ConfigKey<?>> keys) {
        this.keys = Collections.unmodifiableMap(new LinkedHashMap<>(keys));
    }

    /** A definition holding {@code keys}, in that order; names must be distinct. */
    public static ConfigDefinition of(Collection<? extends ConfigKey<?>> keys) {
        Map<String, ConfigKey<?>> map = new LinkedHashMap<>();
        for (ConfigKey<?> key : keys) {
            if (map.putIfAbsent(key.name(), key) != null) {
                throw new IllegalArgumentException("Configuration " + key.name() + " is defined twice");
            }
        }
        return new ConfigDefinition(map);
    }

    /** Keys in definition order. */
    public Collection<ConfigKey<?>> keys() {
        return keys.values();
    }

    public Optional<ConfigKey<?>> find(String name) {
        return Optional.ofNullable(keys.get(name));
    }

    public boolean contains(String name) {
        return keys.containsKey(name);
    }

    /** Parses {@link Properties}; every property name and value is taken as a string. */
    public ConfigValues parse(Properties props) {
        Map<String, String> raw = new HashMap<>();
        for (String name : props.stringPropertyNames()) {
            raw.put(name, props.getProperty(name));
        }
        return parse(raw);
    }

    /**
     * Parses raw values strictly.
     *
     * @throws ConfigException naming the first unknown key, the first bad value, or the first missing required key
     */
    public ConfigValues parse(Map<String, String> raw) {
        for (String name : raw.keySet()) {
            if (!keys.containsKey(name)) {
                throw new ConfigException(name, "Unknown configuration " + name);
            }
        }
        Map<String, Object> values = new HashMap<>();
        for (ConfigKey<?> key : keys.values()) {
            String r = raw.get(key.name());
            if (r != null) {
                values.put(key.name(), key.parse(r));
            } else if (key.presence() == ConfigKey.Presence.REQUIRED) {
                throw new ConfigException(
                        key.name(), "Missing required configuration " + key.name() + " which has no default value");
            } else {
                key.defaultValue().ifPresent(d -> values.put(key.name(), d));
            }
        }
        return new ConfigValues(this, values, Map.copyOf(raw));
    }
}
