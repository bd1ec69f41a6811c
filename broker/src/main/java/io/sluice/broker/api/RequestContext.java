package io.sluice.broker.api;

import java.net.SocketAddress;
import java.util.Objects;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * What a handler knows about a request besides its body: the parsed header, where it came from and when it arrived.
 *
 * @param header the request header (API key, version, correlation id, client id)
 * @param listenerName the listener the connection was accepted on, e.g. {@code PLAINTEXT}
 * @param remoteAddress the client's address
 * @param connectionId a stable identifier of the connection, for logs
 * @param receiveTimeMs wall-clock time (from the server's injected clock) when the whole frame had been read
 * @param cancellation cancelled when the connection closes before the response was written; handlers whose answer
 *     waits register there what releases the wait
 * @param principal who sent the request, as the connection authenticated it ({@code User:ANONYMOUS} on a listener
 *     without authentication)
 */
public record RequestContext(
        RequestHeader header,
        String listenerName,
        SocketAddress remoteAddress,
        String connectionId,
        long receiveTimeMs,
        RequestCancellation cancellation,
        KafkaPrincipal principal) {

    public RequestContext {
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(listenerName, "listenerName");
        Objects.requireNonNull(connectionId, "connectionId");
        Objects.requireNonNull(cancellation, "cancellation");
        Objects.requireNonNull(principal, "principal");
    }

    /** A context for a request of an unauthenticated connection. */
    public RequestContext(
            RequestHeader header,
            String listenerName,
            SocketAddress remoteAddress,
            String connectionId,
            long receiveTimeMs,
            RequestCancellation cancellation) {
        this(header, listenerName, remoteAddress, connectionId, receiveTimeMs, cancellation, KafkaPrincipal.ANONYMOUS);
    }

    /** A context for a request that is never cancelled. */
    public RequestContext(
            RequestHeader header,
            String listenerName,
            SocketAddress remoteAddress,
            String connectionId,
            long receiveTimeMs) {
        this(header, listenerName, remoteAddress, connectionId, receiveTimeMs, RequestCancellation.never());
    }

    public ApiKeys apiKey() {
        return header.apiKey();
    }

    public short apiVersion() {
        return header.apiVersion();
    }

    public int correlationId() {
        return header.correlationId();
    }

    /** The client id, empty (never null) when the client sent none. */
    public String clientId() {
        String clientId = header.clientId();
        return clientId == null ? "" : clientId;
    }

    @Override
    public String toString() {
        return "RequestContext{" + header.apiKey() + " v" + header.apiVersion() + " correlationId="
                + header.correlationId() + " clientId=" + clientId() + " connection=" + connectionId + " listener="
                + listenerName + " principal=" + principal + "}";
    }
}
