package io.sluice.metadata.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The value types a {@link ConfigKey} can have, each with its string parser and the type id DescribeConfigs reports
 * ({@code DescribeConfigsResponse} v3+ {@code ConfigType}: BOOLEAN=1, STRING=2, INT=3, LONG=5, DOUBLE=6, LIST=7,
 * CLASS=8).
 */
public enum ConfigType {
    BOOLEAN(1),
    STRING(2),
    INT(3),
    LONG(5),
    DOUBLE(6),
    /** Comma-separated strings, trimmed, empty elements dropped; the value is a {@code List<String>}. */
    LIST(7),
    /** A fully qualified class name (a plugin), kept as the string; see {@link Validator#classImplementing}. */
    CLASS(8);

    private final byte wireId;

    ConfigType(int wireId) {
        this.wireId = (byte) wireId;
    }

    /** The id of this type in DescribeConfigs responses. */
    public byte wireId() {
        return wireId;
    }

    /**
     * Parses {@code raw} (already trimmed by the caller is not required) for the key {@code name}.
     *
     * @throws ConfigException naming the key and the value when it does not parse
     */
    Object parse(String name, String raw) {
        String s = raw.trim();
        try {
            return switch (this) {
                case BOOLEAN -> {
                    String lower = s.toLowerCase(Locale.ROOT);
                    if (lower.equals("true")) {
                        yield Boolean.TRUE;
                    }
                    if (lower.equals("false")) {
                        yield Boolean.FALSE;
                    }
                    throw new ConfigException(name, raw, "Expected value to be either true or false");
                }
                case STRING, CLASS -> s;
                case INT -> Integer.parseInt(s);
                case LONG -> Long.parseLong(s);
                case DOUBLE -> Double.parseDouble(s);
                case LIST -> splitList(s);
            };
        } catch (NumberFormatException e) {
            throw new ConfigException(name, raw, "Not a number of type " + this);
        }
    }

    /** Renders a typed value the way it would be written in a properties file. */
    String render(Object value) {
        if (value == null) {
            return null;
        }
        if (this == LIST) {
            List<?> list = (List<?>) value;
            StringBuilder sb = new StringBuilder();
            for (Object o : list) {
                if (sb.length() > 0) {
                    sb.append(',');
                }
                sb.append(o);
            }
            return sb.toString();
        }
        return String.valueOf(value);
    }

    /** Checks that a programmatic default has the Java type this config type parses to. */
    boolean accepts(Object value) {
        return switch (this) {
            case BOOLEAN -> value instanceof Boolean;
            case STRING, CLASS -> value instanceof String;
            case INT -> value instanceof Integer;
            case LONG -> value instanceof Long;
            case DOUBLE -> value instanceof Double;
            case LIST -> value instanceof List;
        };
    }

    private static List<String> splitList(String s) {
        List<String> out = new ArrayList<>();
        for (String part : s.split(",", -1)) {
            String t = part.trim();
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return List.copyOf(out);
    }
}
