package io.sluice.chaos.history;

import java.util.List;

/**
 * The records of one partition that one poll returned, in the order returned.
 *
 * @param process the consumer ({@code c1}, {@code g1}, ...; {@code final} for the read after healing)
 * @param mode how the consumer reads
 * @param partition the partition read
 * @param records (offset, value) pairs
 */
public record ReadBatch(long t, String process, Mode mode, String partition, List<OffsetValue> records)
        implements Event {

    /** How a consumer reads. */
    public enum Mode {
        /** {@code assign} + a position it manages itself. */
        ASSIGN,
        /** A member of a consumer group ({@code subscribe}), committing its offsets. */
        GROUP,
        /** The full read of every partition from the log start after healing. */
        FINAL,
        /** A {@code read_committed} reader (transactions). */
        COMMITTED
    }

    /** One record read. */
    public record OffsetValue(long offset, String value) {}
}
