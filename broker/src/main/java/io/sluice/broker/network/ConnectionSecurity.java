package io.sluice.broker.network;

import io.netty.channel.socket.SocketChannel;

/**
 * What a listener's security protocol adds to each of its connections: transport handlers (TLS) in front of the frame
 * decoder and authentication handlers (SASL, or the certificate's principal) between the frame decoder and the request
 * handler. An authentication handler announces who the connection speaks for with a {@link ConnectionAuthenticated}
 * user event; until then requests run as {@code User:ANONYMOUS}.
 *
 * <p>Concurrency: called on the new channel's event loop; implementations are shared by every connection of a listener
 * and must be thread-safe.
 */
public interface ConnectionSecurity {

    /** PLAINTEXT: nothing added, file-backed records go out with {@code sendfile}. */
    ConnectionSecurity PLAINTEXT = new ConnectionSecurity() {
        @Override
        public void addTransportHandlers(SocketChannel channel, String connectionId) {}

        @Override
        public void addAuthenticationHandlers(SocketChannel channel, String connectionId) {}

        @Override
        public boolean zeroCopy() {
            return true;
        }

        @Override
        public String toString() {
            return "PLAINTEXT";
        }
    };

    /** Adds handlers that sit in front of the frame decoder (called first, on an empty pipeline). */
    void addTransportHandlers(SocketChannel channel, String connectionId);

    /** Adds handlers that see whole request frames ({@link java.nio.ByteBuffer}s) before the request handler. */
    void addAuthenticationHandlers(SocketChannel channel, String connectionId);

    /** Whether file-backed records may be written as file regions; false when the bytes must pass through TLS. */
    boolean zeroCopy();
}
