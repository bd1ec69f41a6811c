package io.sluice.metadata.config;

import io.sluice.metadata.model.Endpoint;
import io.sluice.metadata.model.SecurityProtocol;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing and checks of {@code listeners}, {@code advertised.listeners} and the listener protocol map. */
final class Listeners {
    private Listeners() {}

    /** Kafka's listener syntax: {@code NAME://host:port}, host possibly empty or a bracketed IPv6 address. */
    private static final Pattern LISTENER =
            Pattern.compile("^([A-Za-z_][A-Za-z0-9_]*)://\\[?([0-9a-zA-Z\\-%._:]*?)\\]?:(-?[0-9]+)$");

    /** Parses {@code listener.security.protocol.map} entries {@code NAME:PROTOCOL}. */
    static Map<String, SecurityProtocol> parseProtocolMap(String key, List<String> entries) {
        Map<String, SecurityProtocol> map = new LinkedHashMap<>();
        for (String entry : entries) {
            int colon = entry.indexOf(':');
            if (colon <= 0 || colon == entry.length() - 1) {
                throw new ConfigException(key, String.join(",", entries), "Entry " + entry + " is not NAME:PROTOCOL");
            }
            String name = entry.substring(0, colon).trim().toUpperCase(Locale.ROOT);
            String protocol = entry.substring(colon + 1).trim();
            try {
                if (map.put(name, SecurityProtocol.forName(protocol)) != null) {
                    throw new ConfigException(key, String.join(",", entries), "Listener " + name + " is mapped twice");
                }
            } catch (IllegalArgumentException e) {
                throw new ConfigException(key, String.join(",", entries), "Unknown security protocol " + protocol);
            }
        }
        return map;
    }

    /** Parses a listener list; names must be distinct and mapped to a protocol, non-zero ports distinct. */
    static List<Endpoint> parse(String key, List<String> raw, Map<String, SecurityProtocol> protocols) {
        List<Endpoint> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<Integer> ports = new HashSet<>();
        String all = String.join(",", raw);
        for (String s : raw) {
            Matcher m = LISTENER.matcher(s.trim());
            if (!m.matches()) {
                throw new ConfigException(key, all, "Listener " + s + " is not of the form NAME://host:port");
            }
            String name = m.group(1).toUpperCase(Locale.ROOT);
            SecurityProtocol protocol = protocols.get(name);
            if (protocol == null) {
                throw new ConfigException(
                        key,
                        all,
                        "No security protocol defined for listener " + name + " in listener.security.protocol.map");
            }
            int port;
            try {
                port = Integer.parseInt(m.group(3));
            } catch (NumberFormatException e) {
                throw new ConfigException(key, all, "Invalid port in " + s);
            }
            if (port < 0 || port > 65535) {
                throw new ConfigException(key, all, "Port out of range in " + s);
            }
            if (!names.add(name)) {
                throw new ConfigException(key, all, "Each listener must have a different name; " + name + " repeats");
            }
            if (port != 0 && !ports.add(port)) {
                throw new ConfigException(key, all, "Each listener must have a different port; " + port + " repeats");
            }
            out.add(new Endpoint(name, protocol, m.group(2), port));
        }
        return List.copyOf(out);
    }

    /**
     * The endpoints to advertise: {@code advertised} if given (each name must be a listener), else the listeners; an
     * empty host becomes {@code defaultHost}. The non-routable 0.0.0.0 cannot be advertised.
     */
    static List<Endpoint> advertised(
            List<Endpoint> listeners, List<Endpoint> advertised, boolean explicit, Supplier<String> defaultHost) {
        Set<String> listenerNames = new HashSet<>();
        listeners.forEach(l -> listenerNames.add(l.listenerName()));
        String key = BrokerConfigKeys.ADVERTISED_LISTENERS.name();
        List<Endpoint> out = new ArrayList<>();
        for (Endpoint e : advertised) {
            if (explicit && !listenerNames.contains(e.listenerName())) {
                throw new ConfigException(
                        key,
                        render(advertised),
                        "Advertised listener " + e.listenerName() + " must also be defined in listeners");
            }
            if (e.host().equals("0.0.0.0") || e.host().equals("::")) {
                throw new ConfigException(
                        explicit ? key : BrokerConfigKeys.LISTENERS.name(),
                        render(advertised),
                        "The non-routable meta-address " + e.host()
                                + " cannot be advertised; set advertised.listeners");
            }
            out.add(e.host().isEmpty() ? e.withAddress(defaultHost.get(), e.port()) : e);
        }
        return List.copyOf(out);
    }

    private static String render(List<Endpoint> endpoints) {
        List<String> s = new ArrayList<>();
        endpoints.forEach(e -> s.add(e.connectionString()));
        return String.join(",", s);
    }
}
