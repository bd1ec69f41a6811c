package io.sluice.chaos.check;

import java.util.List;

/**
 * One violated promise, with the records that show it.
 *
 * @param kind what was violated
 * @param partition the partition concerned ({@code topic-p}), null when the anomaly is not about one partition
 * @param offset the offset concerned, -1 when none
 * @param values the values (records) involved, possibly empty
 * @param t when it was observed (ms since the run started: the ack, the read, the sample)
 * @param processes the producers, consumers or samplers involved
 * @param explanation one line saying what happened
 */
public record Anomaly(
        Kind kind,
        String partition,
        long offset,
        List<String> values,
        long t,
        List<String> processes,
        String explanation) {

    public Anomaly {
        values = values == null ? List.of() : List.copyOf(values);
        processes = processes == null ? List.of() : List.copyOf(processes);
    }

    /** The kinds of anomaly; docs/chaos-checker.md says what each one means. */
    public enum Kind {
        LOST("An acknowledged write is absent from the final read."),
        WRONG_OFFSET("A value was read at another partition or offset than the one its write was acknowledged at."),
        INCONSISTENT_OFFSET("Two different values were read at the same (partition, offset)."),
        DUPLICATE("One value was read at two different (partition, offset) positions."),
        FAILED_WRITE_READ("A write that definitely failed (Send FAIL) was read."),
        UNKNOWN_VALUE("A value was read that no producer ever sent."),
        PRODUCER_ORDER("A producer's writes were acknowledged, or are stored, out of the order it sent them."),
        PHANTOM("A consumer read a value that the final read does not contain."),
        POLL_BACKWARDS("A consumer read an offset below the one it had already read up to, without a seek."),
        POLL_SKIP("A consumer jumped over offsets that hold records, without a seek."),
        COMMIT_BACKWARDS("A group's committed offset of a partition went down without a seek of one of its members."),
        COMMIT_AHEAD("A group committed an offset beyond the records its members had read."),
        HW_DECREASED("A partition's sampled high watermark went down."),
        LEADER_EPOCH_DECREASED("A partition's sampled leader epoch went down."),
        CONTROLLER_EPOCH_DECREASED("The sampled controller epoch went down."),
        TWO_CONTROLLERS_IN_EPOCH("Two different brokers were sampled as controller in the same controller epoch."),
        LEADER_NOT_IN_ISR("A sampled leader that is not in the partition's ISR."),
        ISR_NOT_IN_REPLICAS("A sampled ISR member that is not a replica of the partition."),
        NOT_HEALED("After the HEALED phase, a partition without a leader or a full ISR."),
        FINAL_READ_INCOMPLETE("The final read does not cover a partition from its start up to its high watermark."),
        UNAVAILABLE_AFTER_HEAL(
                "After a fault healed, with no fault active, a partition went longer than the limit without an ack.");

        private final String description;

        Kind(String description) {
            this.description = description;
        }

        /** What this kind of anomaly says, in one sentence. */
        public String description() {
            return description;
        }
    }
}
