package io.sluice.metadata.config;

/**
 * Where an effective config value comes from, as reported by DescribeConfigs v1+ (the ids are the wire ids of
 * Kafka's {@code DescribeConfigsResponse.ConfigSource}).
 */
public enum ConfigSource {
    UNKNOWN(0),
    /** A per-topic override in {@code /config/topics/T}. */
    DYNAMIC_TOPIC_CONFIG(1),
    /** A per-broker dynamic value in {@code /config/brokers/N}. */
    DYNAMIC_BROKER_CONFIG(2),
    /** A cluster-wide dynamic default in {@code /config/brokers/<default>}. */
    DYNAMIC_DEFAULT_BROKER_CONFIG(3),
    /** Set in the broker's properties file. */
    STATIC_BROKER_CONFIG(4),
    /** The built-in default. */
    DEFAULT_CONFIG(5),
    /** A broker logger's level, set at run time (BROKER_LOGGER resources). */
    DYNAMIC_BROKER_LOGGER_CONFIG(6);

    private final byte wireId;

    ConfigSource(int wireId) {
        this.wireId = (byte) wireId;
    }

    public byte wireId() {
        return wireId;
    }
}
