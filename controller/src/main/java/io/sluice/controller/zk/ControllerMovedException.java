package io.sluice.controller.zk;

/**
 * A fenced write failed its check of {@code /controller_epoch}: another controller was elected since this one won.
 * The event loop resigns at once and never retries the write.
 */
public final class ControllerMovedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ControllerMovedException(String message, Throwable cause) {
        super(message, cause);
    }
}
