package io.sluice.broker.group;

import org.apache.kafka.common.protocol.Errors;

/**
 * How an error of a write to {@value OffsetsTopic#NAME} becomes the error of the API that caused it, as Kafka's
 * {@code GroupMetadataManager} maps them.
 */
final class StoreErrors {
    private StoreErrors() {}

    /** For a group write (SyncGroup, static member replacement, deletions). */
    static Errors forGroup(Errors error) {
        return switch (error) {
            case NONE -> Errors.NONE;
            case UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND, REQUEST_TIMED_OUT ->
                Errors.COORDINATOR_NOT_AVAILABLE;
            case NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR -> Errors.NOT_COORDINATOR;
            default -> Errors.UNKNOWN_SERVER_ERROR;
        };
    }

    /** For an offset commit. */
    static Errors forCommit(Errors error) {
        return switch (error) {
            case NONE -> Errors.NONE;
            case UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND, REQUEST_TIMED_OUT ->
                Errors.COORDINATOR_NOT_AVAILABLE;
            case NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR -> Errors.NOT_COORDINATOR;
            case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_FETCH_SIZE -> Errors.INVALID_COMMIT_OFFSET_SIZE;
            default -> Errors.UNKNOWN_SERVER_ERROR;
        };
    }

    /** The error of a completed write: the store's error, or UNKNOWN_SERVER_ERROR when the future failed. */
    static Errors of(Errors error, Throwable failure) {
        return failure != null || error == null ? Errors.UNKNOWN_SERVER_ERROR : error;
    }
}
