package io.sluice.chaos.workload;

import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Classifies a failed send as definitely not written ({@code FAIL}) or of unknown outcome ({@code INFO}).
 *
 * <p>Only what cannot have been appended counts as a failure: a callback the producer ran inside {@code send()} (the
 * record never reached its accumulator), and errors that a broker returns for a batch it validates before appending and
 * would return on every attempt (record too large, invalid topic, authorization). Everything else is unknown: the
 * idempotent producer retries retriable errors (NOT_ENOUGH_REPLICAS, NOT_LEADER_OR_FOLLOWER, timeouts), so an earlier
 * attempt of the same batch may have been appended even when the last attempt was refused, and an expired batch may
 * have been in flight. Stateless.
 */
public final class SendErrors {
    private SendErrors() {}

    /** Whether the record whose send completed with {@code error} was certainly not written. */
    public static boolean definitelyNotWritten(Exception error, boolean completedInsideSend) {
        if (completedInsideSend) {
            return true;
        }
        return error instanceof RecordTooLargeException
                || error instanceof RecordBatchTooLargeException
                || error instanceof InvalidTopicException
                || error instanceof SerializationException
                || error instanceof AuthorizationException;
    }

    /** The class simple name and message, as the history records errors. */
    public static String describe(Throwable error) {
        return error.getClass().getSimpleName() + ": " + error.getMessage();
    }
}
