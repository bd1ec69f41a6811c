package io.sluice.broker.server;

/** The broker could not start; everything it had started is stopped again. The cause says why. */
public final class BrokerStartupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BrokerStartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
