package io.sluice.metadata.config;

import java.util.Map;
import java.util.Optional;

/**
 * Typed values parsed by a {@link ConfigDefinition}, plus the raw strings they came from so callers can tell an
 * explicitly set key from a default. Immutable and safe to share between threads.
 */
public final class ConfigValues {
    private final ConfigDefinition definition;
    private final Map<String, Object> values;
    private final Map<String, String> originals;

    ConfigValues(ConfigDefinition definition, Map<String, Object> values, Map<String, String> originals) {
        this.definition = definition;
        this.values = Map.copyOf(values);
        this.originals = originals;
    }

    public ConfigDefinition definition() {
        return definition;
    }

    /**
     * The value of {@code key}: the parsed value if set, else its default, else {@code null} for an optional key.
     *
     * @throws IllegalArgumentException if the key is not part of this definition
     */
    @SuppressWarnings("unchecked")
    public <T> T get(ConfigKey<T> key) {
        if (definition.find(key.name()).orElse(null) != key) {
            throw new IllegalArgumentException("Configuration " + key.name() + " is not part of this definition");
        }
        return (T) values.get(key.name());
    }

    /** The value of an optional key, empty when neither set nor defaulted. */
    public <T> Optional<T> find(ConfigKey<T> key) {
        return Optional.ofNullable(get(key));
    }

    /** Whether the key was set explicitly (as opposed to defaulted). */
    public boolean isSet(String name) {
        return originals.containsKey(name);
    }

    /** The raw strings that were parsed (only explicitly set keys). */
    public Map<String, String> originals() {
        return originals;
    }
}
