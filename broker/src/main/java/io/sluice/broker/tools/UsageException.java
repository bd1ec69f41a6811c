package io.sluice.broker.tools;

/** A malformed command line; the message says what is wrong. */
final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
