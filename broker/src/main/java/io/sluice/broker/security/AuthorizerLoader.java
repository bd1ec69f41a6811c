package io.sluice.broker.security;

import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.config.BrokerConfigKeys;
import io.sluice.metadata.config.ConfigException;
import java.lang.reflect.InvocationTargetException;
import java.util.Optional;
import org.apache.kafka.server.authorizer.Authorizer;

/**
 * Instantiates and configures the authorizer {@code authorizer.class.name} names: empty means none; Kafka's
 * {@value AclAuthorizer#KAFKA_ALIAS} means Sluice's {@link AclAuthorizer}; any other class must implement Kafka's
 * {@link Authorizer} with a public no-argument constructor. The caller starts and closes it.
 *
 * <p>Thread-safety: stateless.
 */
public final class AuthorizerLoader {
    private AuthorizerLoader() {}

    public static Optional<Authorizer> load(BrokerConfig config) {
        String key = BrokerConfigKeys.AUTHORIZER_CLASS_NAME.name();
        String name = config.get(BrokerConfigKeys.AUTHORIZER_CLASS_NAME).trim();
        if (name.isEmpty()) {
            return Optional.empty();
        }
        if (name.equals(AclAuthorizer.KAFKA_ALIAS)) {
            name = AclAuthorizer.class.getName();
        }
        Authorizer authorizer;
        try {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            Class<?> cls = Class.forName(name, true, loader != null ? loader : AuthorizerLoader.class.getClassLoader());
            if (!Authorizer.class.isAssignableFrom(cls)) {
                throw new ConfigException(
                        key, name, "Class " + name + " does not implement " + Authorizer.class.getName());
            }
            authorizer = (Authorizer) cls.getConstructor().newInstance();
        } catch (ClassNotFoundException | LinkageError e) {
            throw new ConfigException(key, name, "Class " + name + " cannot be found or loaded: " + e);
        } catch (InvocationTargetException e) {
            throw new ConfigException(key, name, "The constructor of " + name + " failed: " + e.getTargetException());
        } catch (ReflectiveOperationException e) {
            throw new ConfigException(key, name, "Class " + name + " cannot be instantiated: " + e);
        }
        try {
            authorizer.configure(config.originals());
        } catch (RuntimeException e) {
            throw new ConfigException(key, name, "configure() of " + name + " failed: " + e);
        }
        return Optional.of(authorizer);
    }
}
