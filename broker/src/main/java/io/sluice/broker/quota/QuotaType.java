package io.sluice.broker.quota;

import java.util.Arrays;
import java.util.Optional;

/** The quota keys of users and client ids, and which of them Sluice enforces. */
public enum QuotaType {
    /** Bytes/s of produce requests. */
    PRODUCE("producer_byte_rate", true, true),
    /** Bytes/s of fetch responses to consumers. */
    FETCH("consumer_byte_rate", true, true),
    /** Percentage of one request handler thread's time, over the quota window. */
    REQUEST("request_percentage", false, true),
    /** Partition mutations/s of CreateTopics, CreatePartitions and DeleteTopics (stored, not enforced). */
    CONTROLLER_MUTATION("controller_mutation_rate", false, false);

    private final String key;
    private final boolean wholeNumber;
    private final boolean enforced;

    QuotaType(String key, boolean wholeNumber, boolean enforced) {
        this.key = key;
        this.wholeNumber = wholeNumber;
        this.enforced = enforced;
    }

    /** The config key, as stored in ZooKeeper and named in the client quota APIs. */
    public String key() {
        return key;
    }

    /** Whether values must be whole numbers (Kafka's byte rates are longs). */
    public boolean wholeNumber() {
        return wholeNumber;
    }

    /** Whether brokers throttle clients over this quota. */
    public boolean enforced() {
        return enforced;
    }

    public static Optional<QuotaType> ofKey(String key) {
        return Arrays.stream(values()).filter(t -> t.key.equals(key)).findFirst();
    }
}
