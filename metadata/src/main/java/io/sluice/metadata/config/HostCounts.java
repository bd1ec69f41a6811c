package io.sluice.metadata.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parses Kafka's {@code host:count} maps ({@code max.connections.per.ip.overrides}): comma-separated pairs, each split
 * at its last colon (so an IPv6 address may be the host), both sides trimmed, an empty string meaning no pairs. Hosts
 * are not resolved here; that is left to whoever applies the limits.
 *
 * <p>Thread-safety: stateless.
 */
public final class HostCounts {
    private HostCounts() {}

    /**
     * The pairs in the order written.
     *
     * @throws ConfigException naming {@code key} for a pair without a colon, an empty host, a count that is not an
     *     integer or is negative, or a host named twice
     */
    public static Map<String, Integer> parse(String key, String raw) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        String trimmed = raw.trim();
        if (trimmed.isEmpty()) {
            return Map.of();
        }
        for (String pair : trimmed.split(",", -1)) {
            String entry = pair.trim();
            int colon = entry.lastIndexOf(':');
            if (colon <= 0 || colon == entry.length() - 1) {
                throw new ConfigException(
                        key, raw, "Expected host:count pairs separated by commas, got '" + entry + "'");
            }
            String host = entry.substring(0, colon).trim();
            String countText = entry.substring(colon + 1).trim();
            int count;
            try {
                count = Integer.parseInt(countText);
            } catch (NumberFormatException e) {
                throw new ConfigException(key, raw, "The count of " + host + " is not an integer: '" + countText + "'");
            }
            if (count < 0) {
                throw new ConfigException(key, raw, "The count of " + host + " must be at least 0");
            }
            if (counts.putIfAbsent(host, count) != null) {
                throw new ConfigException(key, raw, "Host " + host + " is named twice");
            }
        }
        return Collections.unmodifiableMap(counts);
    }
}
