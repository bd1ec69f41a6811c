package io.sluice.controller;

import org.apache.kafka.common.protocol.Errors;

/** A topic of a CreateTopics or CreatePartitions request refused with {@link #error()} and a message for the client. */
final class TopicRequestRejected extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Errors error;

    TopicRequestRejected(Errors error, String message) {
        super(message, null, false, false);
        this.error = error;
    }

    Errors error() {
        return error;
    }
}
