package io.sluice.broker.metadata;

import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Kafka's rules for topic names: at most 249 characters of {@code [a-zA-Z0-9._-]}, not {@code .} or {@code ..};
 * {@code __consumer_offsets} and {@code __transaction_state} are internal.
 */
public final class TopicNames {
    /** Kafka's limit, leaving room for a partition suffix in a 255-character directory name. */
    public static final int MAX_LENGTH = 249;

    public static final String GROUP_METADATA_TOPIC = "__consumer_offsets";
    public static final String TRANSACTION_STATE_TOPIC = "__transaction_state";

    private static final Set<String> INTERNAL = Set.of(GROUP_METADATA_TOPIC, TRANSACTION_STATE_TOPIC);
    private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]+");

    private TopicNames() {}

    public static boolean isInternal(String topic) {
        return INTERNAL.contains(topic);
    }

    /** Why {@code topic} is not a legal topic name, empty if it is legal. */
    public static Optional<String> invalidReason(String topic) {
        if (topic == null || topic.isEmpty()) {
            return Optional.of("Topic name is empty");
        }
        if (topic.equals(".") || topic.equals("..")) {
            return Optional.of("Topic name cannot be \".\" or \"..\"");
        }
        if (topic.length() > MAX_LENGTH) {
            return Optional.of("Topic name is longer than " + MAX_LENGTH + " characters");
        }
        if (!LEGAL.matcher(topic).matches()) {
            return Optional.of("Topic name \"" + topic
                    + "\" contains characters other than ASCII alphanumerics, '.', '_'" + " and '-'");
        }
        return Optional.empty();
    }

    public static boolean isValid(String topic) {
        return invalidReason(topic).isEmpty();
    }
}
