package io.sluice.metadata.config;

import java.util.List;
import java.util.Set;

/**
 * Checks a parsed, typed value of one key. Implementations throw a {@link ConfigException} naming the key and the
 * value. {@link #toString()} describes the accepted values for documentation.
 *
 * @param <T> the value type
 */
@FunctionalInterface
public interface Validator<T> {

    /** Throws {@link ConfigException} when {@code value} is not acceptable for {@code name}. */
    void ensureValid(String name, T value);

    /** A number that is at least {@code min}. */
    static <N extends Number> Validator<N> atLeast(Number min) {
        return between(min, null);
    }

    /** A number in {@code [min, max]}; a {@code null} bound is open. */
    static <N extends Number> Validator<N> between(Number min, Number max) {
        return new Validator<>() {
            @Override
            public void ensureValid(String name, N value) {
                if (value == null) {
                    return;
                }
                double v = value.doubleValue();
                if (min != null && v < min.doubleValue()) {
                    throw new ConfigException(name, value, "Value must be at least " + min);
                }
                if (max != null && v > max.doubleValue()) {
                    throw new ConfigException(name, value, "Value must be no more than " + max);
                }
            }

            @Override
            public String toString() {
                return max == null ? "[" + min + ",...]" : "[" + min + ",...," + max + "]";
            }
        };
    }

    /**
     * Kafka's throttled-replicas list: empty, {@code *}, or {@code partition:broker} pairs of non-negative integers.
     */
    static Validator<List<String>> throttledReplicas() {
        return new Validator<>() {
            @Override
            public void ensureValid(String name, List<String> value) {
                if (value == null || value.isEmpty() || value.equals(List.of("*"))) {
                    return;
                }
                for (String entry : value) {
                    if (!entry.trim().matches("[0-9]+:[0-9]+")) {
                        throw new ConfigException(
                                name, value, "Must be * or a list of partition:broker pairs, got '" + entry + "'");
                    }
                }
            }

            @Override
            public String toString() {
                return "[partitionId]:[brokerId],[partitionId]:[brokerId],... or *";
            }
        };
    }

    /** A gzip level: -1 (the codec's default) or 1..9. */
    static Validator<Integer> gzipLevel() {
        return new Validator<>() {
            @Override
            public void ensureValid(String name, Integer value) {
                if (value != null && value != -1 && (value < 1 || value > 9)) {
                    throw new ConfigException(name, value, "Must be -1 or in [1,...,9]");
                }
            }

            @Override
            public String toString() {
                return "[1,...,9] or -1";
            }
        };
    }

    /** A string that is one of {@code allowed} (case-sensitive, as Kafka's {@code ValidString}). */
    static Validator<String> oneOf(String... allowed) {
        List<String> list = List.of(allowed);
        return new Validator<>() {
            @Override
            public void ensureValid(String name, String value) {
                if (value != null && !list.contains(value)) {
                    throw new ConfigException(name, value, "String must be one of: " + String.join(", ", list));
                }
            }

            @Override
            public String toString() {
                return list.toString();
            }
        };
    }

    /** A non-empty list whose elements are distinct and each one of {@code allowed}. */
    static Validator<List<String>> nonEmptyListOf(String... allowed) {
        Set<String> set = Set.of(allowed);
        return new Validator<>() {
            @Override
            public void ensureValid(String name, List<String> value) {
                if (value == null) {
                    return;
                }
                if (value.isEmpty()) {
                    throw new ConfigException(name, "", "Empty list is not allowed");
                }
                for (String v : value) {
                    if (!set.contains(v)) {
                        throw new ConfigException(
                                name, String.join(",", value), "Each element must be one of: " + List.of(allowed));
                    }
                }
                if (Set.copyOf(value).size() != value.size()) {
                    throw new ConfigException(name, String.join(",", value), "Duplicate elements are not allowed");
                }
            }

            @Override
            public String toString() {
                return "non-empty list of " + List.of(allowed);
            }
        };
    }

    /** A list with at least one element. */
    static Validator<List<String>> nonEmptyList() {
        return new Validator<>() {
            @Override
            public void ensureValid(String name, List<String> value) {
                if (value != null && value.isEmpty()) {
                    throw new ConfigException(name, "", "Empty list is not allowed");
                }
            }

            @Override
            public String toString() {
                return "non-empty list";
            }
        };
    }
    /**
     * A class name (blank means none) of a public class with a public no-argument constructor that implements
     * {@code type}, loadable by this thread's context class loader (or Sluice's own). The class is not initialized
     * here; {@link Plugins} instantiates it.
     */
    static Validator<String> classImplementing(Class<?> type) {
        return new Validator<>() {
            @Override
            public void ensureValid(String name, String value) {
                if (value == null || value.isBlank()) {
                    return;
                }
                Class<?> cls;
                try {
                    cls = Class.forName(value.trim(), false, Plugins.classLoader());
                } catch (ClassNotFoundException | LinkageError e) {
                    throw new ConfigException(name, value, "Class " + value.trim() + " cannot be found");
                }
                if (!type.isAssignableFrom(cls)) {
                    throw new ConfigException(
                            name, value, "Class " + cls.getName() + " does not implement " + type.getName());
                }
                if (java.lang.reflect.Modifier.isAbstract(cls.getModifiers())) {
                    throw new ConfigException(name, value, "Class " + cls.getName() + " is abstract");
                }
                try {
                    Object unused = cls.getConstructor(); // only its existence is checked here
                } catch (NoSuchMethodException e) {
                    throw new ConfigException(
                            name, value, "Class " + cls.getName() + " has no public no-argument constructor");
                }
            }

            @Override
            public String toString() {
                return "a class implementing " + type.getName();
            }
        };
    }

    /** A duration that is {@code -1} (off) or at least 1. */
    static <N extends Number> Validator<N> offOrAtLeastOne() {
        return new Validator<>() {
            @Override
            public void ensureValid(String name, N value) {
                if (value != null && value.longValue() != -1 && value.longValue() < 1) {
                    throw new ConfigException(name, value, "Value must be -1 (off) or at least 1");
                }
            }

            @Override
            public String toString() {
                return "-1 or [1,...]";
            }
        };
    }

    /** Comma-separated {@code host:count} pairs (split at the last colon), counts at least 0, hosts distinct. */
    static Validator<String> hostCountMap() {
        return new Validator<>() {
            @Override
            public void ensureValid(String name, String value) {
                if (value != null) {
                    HostCounts.parse(name, value);
                }
            }

            @Override
            public String toString() {
                return "host:count,...";
            }
        };
    }
}
