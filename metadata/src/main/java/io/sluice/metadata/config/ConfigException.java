package io.sluice.metadata.config;

import java.util.Optional;

/**
 * A configuration is invalid. The message always names the offending key and, where there is one, the bad value, in
 * the shape of Kafka's {@code ConfigException}: {@code Invalid value abc for configuration broker.id: reason}.
 */
public class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final transient Object value;

    /** A bad value for {@code key}. */
    public ConfigException(String key, Object value, String reason) {
        super("Invalid value " + value + " for configuration " + key + (reason == null ? "" : ": " + reason));
        this.key = key;
        this.value = value;
    }

    /** A problem with {@code key} that is not about one value (missing, unknown, inconsistent). */
    public ConfigException(String key, String message) {
        super(message);
        this.key = key;
        this.value = null;
    }

    /** The configuration key the problem is about. */
    public String key() {
        return key;
    }

    /** The offending value, if the problem is about a value. */
    public Optional<Object> value() {
        return Optional.ofNullable(value);
    }
}
