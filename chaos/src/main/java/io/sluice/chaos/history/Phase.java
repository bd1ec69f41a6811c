package io.sluice.chaos.history;

/** The run moved to another phase. */
public record Phase(long t, Name name) implements Event {

    /** The phases of a run, in order. */
    public enum Name {
        /** Workload running, faults scheduled. */
        WORKLOAD,
        /** The schedule is over: every fault is healed, the workload keeps running. */
        HEALING,
        /** Every partition has a leader and a full ISR again. */
        HEALED,
        /** The workload stopped; the final read of every partition starts. */
        FINAL_READ,
        /** The history is complete. */
        DONE
    }
}
