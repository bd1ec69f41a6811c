package io.sluice.chaos.history;

/**
 * One step of one produce: every value is sent once and gets an {@link Op#INVOKE} and then exactly one of
 * {@link Op#OK}, {@link Op#FAIL} or {@link Op#INFO} (a history cut short may lack the completion, which counts as
 * {@link Op#INFO}). Values are unique across the run, so a value names its write.
 *
 * @param process the producer ({@code p1}, {@code p2}, ...); one producer writes one partition's values in order
 * @param op the step
 * @param partition the partition written ({@code topic-p})
 * @param value the unique value
 * @param offset the acknowledged offset ({@link Op#OK} only, else -1)
 * @param error the exception's class simple name and message ({@link Op#FAIL} and {@link Op#INFO} only, else null)
 */
public record Send(long t, String process, Op op, String partition, String value, long offset, String error)
        implements Event {

    /** The steps of a send. */
    public enum Op {
        /** Handed to the producer. */
        INVOKE,
        /** Acknowledged at {@code offset} (with the workload's acks). */
        OK,
        /** Definitely not written: the broker refused it before appending (e.g. NOT_ENOUGH_REPLICAS). */
        FAIL,
        /** Unknown outcome: timed out, or failed after it may have been appended (e.g. NOT_ENOUGH_REPLICAS_AFTER_APPEND). */
        INFO
    }

    public static Send invoke(long t, String process, String partition, String value) {
        return new Send(t, process, Op.INVOKE, partition, value, -1, null);
    }

    public static Send ok(long t, String process, String partition, String value, long offset) {
        return new Send(t, process, Op.OK, partition, value, offset, null);
    }

    public static Send fail(long t, String process, String partition, String value, String error) {
        return new Send(t, process, Op.FAIL, partition, value, -1, error);
    }

    public static Send info(long t, String process, String partition, String value, String error) {
        return new Send(t, process, Op.INFO, partition, value, -1, error);
    }
}
