package io.sluice.broker.tools;

/** An admin operation the cluster refused or that did not complete; the message is meant for the operator. */
final class AdminOperationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AdminOperationException(String message, Throwable cause) {
        super(message, cause);
    }

    AdminOperationException(String message) {
        super(message);
    }
}
