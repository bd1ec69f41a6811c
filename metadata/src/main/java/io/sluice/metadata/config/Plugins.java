package io.sluice.metadata.config;

import java.lang.reflect.InvocationTargetException;
import java.util.Optional;
import org.apache.kafka.common.Configurable;

/**
 * Instantiates the plugins named by class-name keys ({@link ConfigType#CLASS}), as Kafka's
 * {@code AbstractConfig.getConfiguredInstance} does: load the class, call its public no-argument constructor, then
 * {@link Configurable#configure} with the broker's explicitly set configuration (its {@code server.properties} entries
 * and overrides, values as strings).
 *
 * <p>Thread-safety: stateless.
 */
public final class Plugins {
    private Plugins() {}

    /**
     * A new, configured instance of the class {@code key} names, empty when the key is unset or blank.
     *
     * @throws ConfigException naming {@code key} if the class cannot be loaded, does not implement {@code type}, or its
     *     constructor or {@code configure} fails
     */
    public static <T> Optional<T> newConfiguredInstance(BrokerConfig config, ConfigKey<String> key, Class<T> type) {
        String className = config.get(key);
        if (className == null || className.isBlank()) {
            return Optional.empty();
        }
        String name = className.trim();
        T instance;
        try {
            Class<?> cls = Class.forName(name, true, classLoader());
            if (!type.isAssignableFrom(cls)) {
                throw new ConfigException(key.name(), name, "Class " + name + " does not implement " + type.getName());
            }
            instance = type.cast(cls.getConstructor().newInstance());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new ConfigException(key.name(), name, "Class " + name + " cannot be found or loaded: " + e);
        } catch (InvocationTargetException e) {
            throw new ConfigException(
                    key.name(), name, "The constructor of " + name + " failed: " + e.getTargetException());
        } catch (ReflectiveOperationException e) {
            throw new ConfigException(key.name(), name, "Class " + name + " cannot be instantiated: " + e);
        }
        if (instance instanceof Configurable configurable) {
            try {
                configurable.configure(config.originals());
            } catch (RuntimeException e) {
                throw new ConfigException(key.name(), name, "configure() of " + name + " failed: " + e);
            }
        }
        return Optional.of(instance);
    }

    /** The loader plugins come from: this thread's context class loader, else the one that loaded Sluice. */
    static ClassLoader classLoader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : Plugins.class.getClassLoader();
    }
}
