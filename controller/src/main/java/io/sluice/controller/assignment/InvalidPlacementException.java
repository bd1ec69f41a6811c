package io.sluice.controller.assignment;

import java.util.Objects;
import org.apache.kafka.common.protocol.Errors;

/**
 * A replica placement or a manual replica assignment that cannot be honoured. Carries the Kafka
 * error code a CreateTopics / CreatePartitions response should return together with {@link
 * #getMessage()}: {@link Errors#INVALID_REPLICATION_FACTOR}, {@link Errors#INVALID_PARTITIONS},
 * {@link Errors#INVALID_REPLICA_ASSIGNMENT} or {@link Errors#INVALID_CONFIG}.
 */
public final class InvalidPlacementException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final Errors error;

    public InvalidPlacementException(Errors error, String message) {
        super(message);
        this.error = Objects.requireNonNull(error, "error");
    }

    /** The error code to answer the admin request with. */
    public Errors error() {
        return error;
    }
}
