package io.sluice.broker.network;

/** The network layer could not start (for example a listener's port is taken). */
public final class NetworkException extends RuntimeException {

    public NetworkException(String message, Throwable cause) {
        super(message, cause);
    }
}
