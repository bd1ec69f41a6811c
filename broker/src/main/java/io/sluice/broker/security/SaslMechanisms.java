package io.sluice.broker.security;

import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The SASL mechanisms one listener serves ({@code sasl.enabled.mechanisms}, in configured order) and a factory of a
 * fresh mechanism server per connection.
 *
 * <p>Thread-safety: immutable; the factories are thread-safe.
 */
final class SaslMechanisms {
    private final List<String> enabled;
    private final Map<String, Supplier<SaslMechanismServer>> factories;

    SaslMechanisms(List<String> enabled, Map<String, Supplier<SaslMechanismServer>> factories) {
        this.enabled = List.copyOf(enabled);
        this.factories = Map.copyOf(factories);
    }

    /** PLAIN with {@code plainUsers} if enabled, and each enabled SCRAM mechanism against {@code credentials}. */
    static SaslMechanisms of(
            List<String> enabled,
            Map<String, String> plainUsers,
            ScramServer.CredentialLookup credentials,
            SecureRandom random) {
        java.util.HashMap<String, Supplier<SaslMechanismServer>> factories = new java.util.HashMap<>();
        for (String name : enabled) {
            if (name.equals("PLAIN")) {
                factories.put(name, () -> new PlainServer(plainUsers));
            } else {
                Scram.mechanism(name)
                        .ifPresent(m -> factories.put(name, () -> new ScramServer(m, credentials, random)));
            }
        }
        return new SaslMechanisms(enabled, factories);
    }

    List<String> enabled() {
        return enabled;
    }

    /** A new server for {@code mechanism}, if it is enabled. */
    Optional<SaslMechanismServer> create(String mechanism) {
        Supplier<SaslMechanismServer> factory = factories.get(mechanism);
        return factory == null ? Optional.empty() : Optional.of(factory.get());
    }

    @Override
    public String toString() {
        return enabled.toString();
    }
}
