package io.sluice.broker.network.client;

import org.apache.kafka.common.errors.RetriableException;

/** A request was refused because the client's queue of unsent requests is full. Retriable. */
public class RequestQueueFullException extends RetriableException {
    private static final long serialVersionUID = 1L;

    public RequestQueueFullException(String message) {
        super(message);
    }
}
