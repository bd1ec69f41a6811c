package io.sluice.metadata.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The definition of one configuration key: name, type, default (or required, or optional without default),
 * validator, documentation, whether it may be changed at runtime (dynamic) and whether its value is sensitive.
 * Immutable; build with {@link #intKey(String)} and friends.
 *
 * <pre>{@code
 * static final ConfigKey<Integer> BROKER_ID =
 *         ConfigKey.intKey("broker.id").required().validator(Validator.atLeast(0)).doc("...").build();
 * }</pre>
 *
 * @param <T> the Java type of the parsed value
 */
public final class ConfigKey<T> {

    /** How a key behaves when it is absent. */
    public enum Presence {
        /** Absent means the default value. */
        DEFAULTED,
        /** Absent is an error. */
        REQUIRED,
        /** Absent means "not set" ({@code null} / {@code Optional.empty()}). */
        OPTIONAL
    }

    private final String name;
    private final ConfigType type;
    private final Presence presence;
    private final T defaultValue;
    private final Validator<? super T> validator;
    private final String doc;
    private final boolean dynamic;
    private final boolean sensitive;

    private ConfigKey(Builder<T> b) {
        this.name = b.name;
        this.type = b.type;
        this.presence = b.presence;
        this.defaultValue = b.defaultValue;
        this.validator = b.validator;
        this.doc = b.doc;
        this.dynamic = b.dynamic;
        this.sensitive = b.sensitive;
    }

    public static Builder<Integer> intKey(String name) {
        return new Builder<>(name, ConfigType.INT);
    }

    public static Builder<Long> longKey(String name) {
        return new Builder<>(name, ConfigType.LONG);
    }

    public static Builder<Double> doubleKey(String name) {
        return new Builder<>(name, ConfigType.DOUBLE);
    }

    public static Builder<Boolean> booleanKey(String name) {
        return new Builder<>(name, ConfigType.BOOLEAN);
    }

    public static Builder<String> stringKey(String name) {
        return new Builder<>(name, ConfigType.STRING);
    }

    /** A class name key (Kafka's {@code CLASS} type); pair it with {@link Validator#classImplementing}. */
    public static Builder<String> classKey(String name) {
        return new Builder<>(name, ConfigType.CLASS);
    }

    public static Builder<List<String>> listKey(String name) {
        return new Builder<>(name, ConfigType.LIST);
    }

    public String name() {
        return name;
    }

    public ConfigType type() {
        return type;
    }

    public Presence presence() {
        return presence;
    }

    /** The default value, empty for required and optional keys. */
    public Optional<T> defaultValue() {
        return Optional.ofNullable(defaultValue);
    }

    public String doc() {
        return doc;
    }

    /** Whether the key may be changed at runtime (cluster-wide dynamic default or topic override). */
    public boolean isDynamic() {
        return dynamic;
    }

    /** Whether DescribeConfigs must hide the value. */
    public boolean isSensitive() {
        return sensitive;
    }

    /** Description of the accepted values, or empty when any value of the type is accepted. */
    public String validValues() {
        return validator == null ? "" : validator.toString();
    }

    /**
     * Parses and validates a raw string value.
     *
     * @throws ConfigException naming this key and the value
     */
    @SuppressWarnings("unchecked")
    public T parse(String raw) {
        if (raw == null) {
            throw new ConfigException(name, "Missing value for configuration " + name);
        }
        T value = (T) type.parse(name, raw);
        validate(value);
        return value;
    }

    /** Validates a typed value. */
    public void validate(T value) {
        if (validator != null) {
            validator.ensureValid(name, value);
        }
    }

    /** Renders a typed value the way it is written in a properties file ({@code null} stays {@code null}). */
    public String render(Object value) {
        return type.render(value);
    }

    @Override
    public String toString() {
        return name + "(" + type + ")";
    }

    /** Builder of {@link ConfigKey}. Not thread-safe. */
    public static final class Builder<T> {
        private final String name;
        private final ConfigType type;
        private Presence presence = Presence.OPTIONAL;
        private T defaultValue;
        private Validator<? super T> validator;
        private String doc = "";
        private boolean dynamic;
        private boolean sensitive;

        private Builder(String name, ConfigType type) {
            this.name = Objects.requireNonNull(name);
            this.type = type;
        }

        public Builder<T> defaultValue(T value) {
            if (!type.accepts(value)) {
                throw new IllegalArgumentException("Default " + value + " of " + name + " is not a " + type);
            }
            this.defaultValue = value;
            this.presence = Presence.DEFAULTED;
            return this;
        }

        public Builder<T> required() {
            this.defaultValue = null;
            this.presence = Presence.REQUIRED;
            return this;
        }

        public Builder<T> optional() {
            this.defaultValue = null;
            this.presence = Presence.OPTIONAL;
            return this;
        }

        public Builder<T> validator(Validator<? super T> validator) {
            this.validator = validator;
            return this;
        }

        public Builder<T> doc(String doc) {
            this.doc = doc;
            return this;
        }

        public Builder<T> dynamic() {
            this.dynamic = true;
            return this;
        }

        public Builder<T> sensitive() {
            this.sensitive = true;
            return this;
        }

        public ConfigKey<T> build() {
            ConfigKey<T> key = new ConfigKey<>(this);
            if (defaultValue != null) {
                key.validate(defaultValue);
            }
            return key;
        }
    }
}
