package io.sluice.metadata.model;

import java.util.Locale;
import java.util.Objects;

/**
 * One listener of a broker: its name (upper case, e.g. {@code PLAINTEXT}, {@code INTERNAL}), the security protocol it
 * speaks, and where it listens or is advertised. An empty host means "all interfaces" in {@code listeners}.
 */
public record Endpoint(String listenerName, SecurityProtocol securityProtocol, String host, int port) {

    public Endpoint {
        Objects.requireNonNull(listenerName, "listenerName");
        Objects.requireNonNull(securityProtocol, "securityProtocol");
        listenerName = listenerName.toUpperCase(Locale.ROOT);
        host = host == null ? "" : host;
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("Invalid port " + port + " for listener " + listenerName);
        }
    }

    /** A PLAINTEXT endpoint on a listener named PLAINTEXT. */
    public static Endpoint plaintext(String host, int port) {
        return new Endpoint("PLAINTEXT", SecurityProtocol.PLAINTEXT, host, port);
    }

    /** The connection string Kafka writes in {@code endpoints}: {@code NAME://host:port}, IPv6 hosts bracketed. */
    public String connectionString() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return listenerName + "://" + h + ":" + port;
    }

    /** A copy with another host and port (used when a listener bound to port 0 learns its real port). */
    public Endpoint withAddress(String newHost, int newPort) {
        return new Endpoint(listenerName, securityProtocol, newHost, newPort);
    }

    @Override
    public String toString() {
        return connectionString();
    }
}
