package io.sluice.metadata.config;

import static io.sluice.metadata.config.BrokerConfigKeys.*;

import io.sluice.metadata.model.Endpoint;
import io.sluice.metadata.model.SecurityProtocol;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The security settings of one listener: every TLS and SASL key resolved as Kafka resolves it, the listener's own
 * {@code listener.name.<listener>.<key>} first (listener name in lower case), then the broker-wide {@code <key>}, then
 * the default. The JAAS configuration of a SASL mechanism is looked up as
 * {@code listener.name.<l>.<mechanism>.sasl.jaas.config}, then {@code listener.name.<l>.sasl.jaas.config}, then
 * {@code sasl.jaas.config}; the SASL session lifetime likewise as
 * {@code listener.name.<l>.<mechanism>.connections.max.reauth.ms} before the listener's and the broker's key.
 *
 * <p>Thread-safety: immutable.
 */
public final class ListenerConfig {
    /** The prefix of per-listener keys. */
    public static final String PREFIX = "listener.name.";

    /** The broker keys that may be overridden per listener. */
    static final Set<ConfigKey<?>> OVERRIDABLE = Set.of(
            SASL_ENABLED_MECHANISMS,
            SASL_JAAS_CONFIG,
            CONNECTION_FAILED_AUTHENTICATION_DELAY_MS,
            CONNECTIONS_MAX_REAUTH_MS,
            SASL_SERVER_MAX_RECEIVE_SIZE,
            SSL_PROTOCOL,
            SSL_ENABLED_PROTOCOLS,
            SSL_CIPHER_SUITES,
            SSL_KEYSTORE_TYPE,
            SSL_KEYSTORE_LOCATION,
            SSL_KEYSTORE_PASSWORD,
            SSL_KEY_PASSWORD,
            SSL_TRUSTSTORE_TYPE,
            SSL_TRUSTSTORE_LOCATION,
            SSL_TRUSTSTORE_PASSWORD,
            SSL_CLIENT_AUTH,
            SSL_ENDPOINT_IDENTIFICATION_ALGORITHM,
            SSL_PRINCIPAL_MAPPING_RULES);

    private static final Pattern KEY = Pattern.compile("^listener\\.name\\.([A-Za-z_][A-Za-z0-9_]*)\\.(.+)$");
    private static final Pattern MECHANISM_JAAS = Pattern.compile("^([a-z0-9-]+)\\.sasl\\.jaas\\.config$");
    private static final Pattern MECHANISM_REAUTH = Pattern.compile("^([a-z0-9-]+)\\.connections\\.max\\.reauth\\.ms$");

    private final Endpoint listener;
    private final ConfigValues base;
    private final Map<String, Object> overrides;
    private final Map<String, String> jaasByMechanism;
    private final Map<String, Long> reauthByMechanism;

    private ListenerConfig(
            Endpoint listener,
            ConfigValues base,
            Map<String, Object> overrides,
            Map<String, String> jaasByMechanism,
            Map<String, Long> reauthByMechanism) {
        this.listener = listener;
        this.base = base;
        this.overrides = Map.copyOf(overrides);
        this.jaasByMechanism = Map.copyOf(jaasByMechanism);
        this.reauthByMechanism = Map.copyOf(reauthByMechanism);
    }

    /** Whether {@code name} is a per-listener key ({@code listener.name.<l>.<key>}). */
    static boolean isListenerKey(String name) {
        return name.startsWith(PREFIX);
    }

    /**
     * Validates every per-listener key in {@code raw} and builds the view of each listener.
     *
     * @throws ConfigException naming a per-listener key whose suffix is not an overridable security key or whose value
     *     is invalid
     */
    static Map<String, ListenerConfig> build(ConfigValues base, Map<String, String> raw, List<Endpoint> listeners) {
        Map<String, Map<String, Object>> overrides = new HashMap<>();
        Map<String, Map<String, String>> jaas = new HashMap<>();
        Map<String, Map<String, Long>> reauth = new HashMap<>();
        for (Map.Entry<String, String> e : raw.entrySet()) {
            Matcher m = KEY.matcher(e.getKey());
            if (!m.matches()) {
                throw new ConfigException(
                        e.getKey(),
                        "Invalid per-listener configuration " + e.getKey() + ": expected listener.name.<l>.<key>");
            }
            String name = m.group(1).toUpperCase(Locale.ROOT);
            String suffix = m.group(2);
            Matcher mech = MECHANISM_JAAS.matcher(suffix);
            if (mech.matches()) {
                jaas.computeIfAbsent(name, n -> new HashMap<>())
                        .put(mech.group(1).toUpperCase(Locale.ROOT), e.getValue());
                continue;
            }
            Matcher reauthMech = MECHANISM_REAUTH.matcher(suffix);
            if (reauthMech.matches()) {
                long value;
                try {
                    value = CONNECTIONS_MAX_REAUTH_MS.parse(e.getValue());
                } catch (ConfigException invalid) {
                    throw new ConfigException(
                            e.getKey(), "Invalid value for " + e.getKey() + ": " + invalid.getMessage());
                }
                reauth.computeIfAbsent(name, n -> new HashMap<>())
                        .put(reauthMech.group(1).toUpperCase(Locale.ROOT), value);
                continue;
            }
            ConfigKey<?> key = OVERRIDABLE.stream()
                    .filter(k -> k.name().equals(suffix))
                    .findFirst()
                    .orElseThrow(
                            () -> new ConfigException(
                                    e.getKey(),
                                    "Unknown configuration " + e.getKey() + ": " + suffix
                                            + " cannot be set per listener (TLS, SASL and <mechanism>.sasl.jaas.config keys can)"));
            Object value;
            try {
                value = key.parse(e.getValue());
            } catch (ConfigException invalid) {
                throw new ConfigException(e.getKey(), "Invalid value for " + e.getKey() + ": " + invalid.getMessage());
            }
            overrides.computeIfAbsent(name, n -> new HashMap<>()).put(key.name(), value);
        }
        Map<String, ListenerConfig> out = new HashMap<>();
        for (Endpoint listener : listeners) {
            String name = listener.listenerName();
            out.put(
                    name,
                    new ListenerConfig(
                            listener,
                            base,
                            overrides.getOrDefault(name, Map.of()),
                            jaas.getOrDefault(name, Map.of()),
                            reauth.getOrDefault(name, Map.of())));
        }
        return out;
    }

    /** The listener's name (upper case). */
    public String listenerName() {
        return listener.listenerName();
    }

    /** The listener's security protocol. */
    public SecurityProtocol securityProtocol() {
        return listener.securityProtocol();
    }

    /** The key's value for this listener; {@code null} for an unset optional key. */
    @SuppressWarnings("unchecked")
    public <T> T get(ConfigKey<T> key) {
        if (!OVERRIDABLE.contains(key)) {
            throw new IllegalArgumentException(key.name() + " is not a per-listener key");
        }
        Object value = overrides.get(key.name());
        return value != null ? (T) value : base.get(key);
    }

    /** The name a key's value comes from, for error messages ({@code listener.name.<l>.<key>} or {@code <key>}). */
    public String sourceName(ConfigKey<?> key) {
        return overrides.containsKey(key.name()) ? prefix() + key.name() : key.name();
    }

    /** The JAAS configuration for {@code mechanism} and the key it came from, if any. */
    public Optional<Map.Entry<String, String>> saslJaasConfig(String mechanism) {
        String mech = mechanism.toUpperCase(Locale.ROOT);
        String specific = jaasByMechanism.get(mech);
        if (specific != null) {
            return Optional.of(Map.entry(prefix() + mech.toLowerCase(Locale.ROOT) + ".sasl.jaas.config", specific));
        }
        String general = get(SASL_JAAS_CONFIG);
        return general == null ? Optional.empty() : Optional.of(Map.entry(sourceName(SASL_JAAS_CONFIG), general));
    }

    /**
     * The SASL session lifetime in milliseconds for {@code mechanism} (0: re-authentication off):
     * {@code listener.name.<l>.<mechanism>.connections.max.reauth.ms}, then the listener's or the broker's
     * {@code connections.max.reauth.ms}.
     */
    public long connectionsMaxReauthMs(String mechanism) {
        Long specific = reauthByMechanism.get(mechanism.toUpperCase(Locale.ROOT));
        return specific != null ? specific : get(CONNECTIONS_MAX_REAUTH_MS);
    }

    private String prefix() {
        return PREFIX + listener.listenerName().toLowerCase(Locale.ROOT) + ".";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ListenerConfig other
                && listener.equals(other.listener)
                && overrides.equals(other.overrides)
                && jaasByMechanism.equals(other.jaasByMechanism)
                && reauthByMechanism.equals(other.reauthByMechanism);
    }

    @Override
    public int hashCode() {
        return Objects.hash(listener, overrides, jaasByMechanism, reauthByMechanism);
    }

    @Override
    public String toString() {
        return "ListenerConfig(" + listener.listenerName() + ", " + listener.securityProtocol() + ")";
    }
}
