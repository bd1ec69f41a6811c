package io.sluice.replication.log;

import org.apache.kafka.common.InvalidRecordException;

/**
 * Batches whose offsets do not increase, or do not start at or after the log end (follower appends). Maps to
 * {@code INVALID_RECORD} through its superclass.
 */
public class OffsetsOutOfOrderException extends InvalidRecordException {
    private static final long serialVersionUID = 1L;

    public OffsetsOutOfOrderException(String message) {
        super(message);
    }
}
