package io.sluice.broker.network;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One listener address in Kafka's {@code NAME://host:port} form, as used by {@code listeners} and
 * {@code advertised.listeners}. An empty host binds every interface; port 0 binds an ephemeral port.
 *
 * @param listenerName upper-case listener name, e.g. {@code PLAINTEXT}
 * @param host host name or literal address (IPv6 without brackets); empty for all interfaces
 * @param port TCP port, 0..65535
 */
public record Endpoint(String listenerName, String host, int port) {

    public Endpoint {
        Objects.requireNonNull(listenerName, "listenerName");
        Objects.requireNonNull(host, "host");
        if (listenerName.isEmpty()) {
            throw new IllegalArgumentException("listener name must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range in " + listenerName + "://" + host + ":" + port);
        }
        listenerName = listenerName.toUpperCase(Locale.ROOT);
    }

    /** Parses {@code NAME://host:port}; IPv6 hosts are written in brackets, {@code PLAINTEXT://[::1]:9092}. */
    public static Endpoint parse(String value) {
        String trimmed = value.trim();
        int sep = trimmed.indexOf("://");
        int colon = trimmed.lastIndexOf(':');
        if (sep <= 0 || colon <= sep + 2) {
            throw new IllegalArgumentException("Invalid listener '" + value + "': expected NAME://host:port");
        }
        String name = trimmed.substring(0, sep);
        String host = trimmed.substring(sep + 3, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(trimmed.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid port in listener '" + value + "'", e);
        }
        return new Endpoint(name, host, port);
    }

    /** Parses a comma-separated list such as the value of {@code listeners}; blank entries are skipped. */
    public static List<Endpoint> parseList(String value) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (String part : value.split(",")) {
            if (!part.isBlank()) {
                endpoints.add(parse(part));
            }
        }
        return List.copyOf(endpoints);
    }

    /** The same endpoint on another port. */
    public Endpoint withPort(int newPort) {
        return new Endpoint(listenerName, host, newPort);
    }

    @Override
    public String toString() {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return listenerName + "://" + h + ":" + port;
    }
}
