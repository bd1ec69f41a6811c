package io.sluice.replication.producer;

import org.apache.kafka.common.protocol.Errors;

/**
 * The decision on one batch a producer asks the leader to append.
 *
 * <pre>
 *   OK                      append it, then call update() with the appended batch
 *   DUPLICATE               a retry of a batch already in the log: do not append; answer success with
 *                           firstOffset/lastOffset/timestamp of the original
 *   OUT_OF_ORDER_SEQUENCE   reject with OUT_OF_ORDER_SEQUENCE_NUMBER
 *   INVALID_PRODUCER_EPOCH  reject with INVALID_PRODUCER_EPOCH (a fenced, older producer instance)
 *   INVALID_TXN_STATE       reject with INVALID_TXN_STATE (a non-transactional batch inside an open transaction)
 * </pre>
 *
 * @param outcome the decision
 * @param firstOffset for DUPLICATE the original batch's first offset, else -1
 * @param lastOffset for DUPLICATE the original batch's last offset, else -1
 * @param timestamp for DUPLICATE the original batch's max timestamp (the log append time to answer on LogAppendTime
 *     topics), else -1
 * @param message why a batch was rejected, empty otherwise
 */
public record ValidationResult(Outcome outcome, long firstOffset, long lastOffset, long timestamp, String message) {
    /** The possible decisions. */
    public enum Outcome {
        OK(Errors.NONE),
        DUPLICATE(Errors.NONE),
        OUT_OF_ORDER_SEQUENCE(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER),
        INVALID_PRODUCER_EPOCH(Errors.INVALID_PRODUCER_EPOCH),
        INVALID_TXN_STATE(Errors.INVALID_TXN_STATE);

        private final Errors error;

        Outcome(Errors error) {
            this.error = error;
        }

        static ValidationResult invalidTxnState(String message) {
            return new ValidationResult(Outcome.INVALID_TXN_STATE, -1L, -1L, -1L, message);
        }

        /** The produce-response error for this outcome. */
        public Errors error() {
            return error;
        }
    }

    /** Append the batch. */
    public static final ValidationResult OK = new ValidationResult(Outcome.OK, -1L, -1L, -1L, "");

    static ValidationResult duplicate(BatchMetadata original) {
        return new ValidationResult(
                Outcome.DUPLICATE, original.firstOffset(), original.lastOffset(), original.timestamp(), "");
    }

    static ValidationResult outOfOrder(String message) {
        return new ValidationResult(Outcome.OUT_OF_ORDER_SEQUENCE, -1L, -1L, -1L, message);
    }

    static ValidationResult invalidEpoch(String message) {
        return new ValidationResult(Outcome.INVALID_PRODUCER_EPOCH, -1L, -1L, -1L, message);
    }

    static ValidationResult invalidTxnState(String message) {
        return new ValidationResult(Outcome.INVALID_TXN_STATE, -1L, -1L, -1L, message);
    }

    /** The produce-response error ({@link Errors#NONE} for OK and DUPLICATE). */
    public Errors error() {
        return outcome.error();
    }
}
