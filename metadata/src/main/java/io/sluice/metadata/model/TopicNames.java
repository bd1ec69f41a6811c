package io.sluice.metadata.model;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Kafka's rules for topic names, shared by the broker's request handlers (the first check) and the controller (the
 * last one before ZooKeeper):
 *
 * <ul>
 *   <li>legal: 1 to {@value #MAX_LENGTH} characters of {@code [a-zA-Z0-9._-]}, and not {@code .} or {@code ..} (a
 *       name is a directory name and a ZooKeeper path element, so anything else, control characters included, is
 *       refused before it reaches either);
 *   <li>collision: two names that differ only in {@code '.'} versus {@code '_'} (for example {@code dot.name} and
 *       {@code dot_name}) may not both exist, because their metric names would be the same; names are compared with
 *       every {@code '.'} replaced by {@code '_'};
 *   <li>{@value #GROUP_METADATA_TOPIC} and {@value #TRANSACTION_STATE_TOPIC} are internal.
 * </ul>
 *
 * <p>Thread-safety: stateless.
 */
public final class TopicNames {
    /** Kafka's limit, leaving room for a partition suffix in a 255-character directory name. */
    public static final int MAX_LENGTH = 249;

    public static final String GROUP_METADATA_TOPIC = "__consumer_offsets";
    public static final String TRANSACTION_STATE_TOPIC = "__transaction_state";

    private static final Set<String> INTERNAL = Set.of(GROUP_METADATA_TOPIC, TRANSACTION_STATE_TOPIC);

    private TopicNames() {}

    public static boolean isInternal(String topic) {
        return INTERNAL.contains(topic);
    }

    /**
     * Why {@code topic} is not a legal topic name, empty if it is legal. The message quotes the name with control and
     * non-ASCII characters escaped ({@code \\u0001}), so it is safe to log and to return to a client.
     */
    public static Optional<String> invalidReason(String topic) {
        if (topic == null || topic.isEmpty()) {
            return Optional.of("Topic name is illegal, it can't be empty");
        }
        if (topic.equals(".") || topic.equals("..")) {
            return Optional.of("Topic name cannot be \".\" or \"..\"");
        }
        if (topic.length() > MAX_LENGTH) {
            return Optional.of("Topic name is illegal, it can't be longer than " + MAX_LENGTH
                    + " characters, topic name: " + printable(topic.substring(0, 64)) + "... (" + topic.length()
                    + " characters)");
        }
        for (int i = 0; i < topic.length(); i++) {
            if (!isLegalChar(topic.charAt(i))) {
                return Optional.of("Topic name \"" + printable(topic) + "\" is illegal, it contains a character ("
                        + printable(topic.substring(i, i + 1)) + " at index " + i
                        + ") other than ASCII alphanumerics, '.', '_' and '-'");
            }
        }
        return Optional.empty();
    }

    public static boolean isValid(String topic) {
        return invalidReason(topic).isEmpty();
    }

    /** Whether {@code topic} contains a character that can make it collide with another name ({@code '.'} or {@code '_'}). */
    public static boolean hasCollisionChars(String topic) {
        return topic.indexOf('.') >= 0 || topic.indexOf('_') >= 0;
    }

    /** {@code topic} with every {@code '.'} replaced by {@code '_'}: the form in which colliding names are equal. */
    public static String unifyCollisionChars(String topic) {
        return topic.replace('.', '_');
    }

    /** Whether {@code a} and {@code b} collide: different names that are equal once {@code '.'} becomes {@code '_'}. */
    public static boolean collide(String a, String b) {
        return !a.equals(b) && unifyCollisionChars(a).equals(unifyCollisionChars(b));
    }

    /** The names among {@code existing} that collide with {@code topic}, in their iteration order. */
    public static List<String> collisions(String topic, Collection<String> existing) {
        if (!hasCollisionChars(topic)) {
            return List.of();
        }
        String unified = unifyCollisionChars(topic);
        return existing.stream()
                .filter(e -> !e.equals(topic)
                        && hasCollisionChars(e)
                        && unifyCollisionChars(e).equals(unified))
                .toList();
    }

    /** Why creating {@code topic} next to {@code existing} topics is refused for a collision, empty if it is not. */
    public static Optional<String> collisionReason(String topic, Collection<String> existing) {
        List<String> colliding = collisions(topic, existing);
        if (colliding.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("Topic '" + topic + "' collides with existing topic(s) " + String.join(", ", colliding)
                + ": names that differ only in '.' and '_' would have the same metric names");
    }

    private static boolean isLegalChar(char c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || c == '.'
                || c == '_'
                || c == '-';
    }

    /** {@code s} with characters outside printable ASCII written as {@code \\uXXXX}. */
    public static String printable(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                out.append(c);
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out.toString();
    }
}
