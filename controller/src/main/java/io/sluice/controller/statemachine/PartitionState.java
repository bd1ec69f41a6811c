package io.sluice.controller.statemachine;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Controller-side state of a partition, as in Kafka's ZooKeeper-mode PartitionStateMachine. A
 * partition the controller knows nothing about is {@link #NonExistent}.
 *
 * <pre>
 *   NonExistent ──▶ New ──┬──▶ Online ◀─┐ re-election (preferred, controlled shutdown)
 *        ▲                │     ▲  │ └──┘
 *        │                │     │  ▼ leader lost
 *        │                └──▶ Offline ◀─┐ still no leader
 *        │                      │  └─────┘
 *        └────── deleted ───────┘
 * </pre>
 *
 * <p>Valid previous states: New ← NonExistent; Online ← New, Online, Offline; Offline ← New,
 * Online, Offline; NonExistent ← Offline.
 */
public enum PartitionState {
    /** Created with an assignment, no leader elected yet. */
    New,
    /** Has a leader that is live. */
    Online,
    /** Its leader is gone (or no leader could be elected). */
    Offline,
    /** Deleted, or never existed. */
    NonExistent;

    private static final Map<PartitionState, Set<PartitionState>> VALID_PREVIOUS = new EnumMap<>(PartitionState.class);

    static {
        for (PartitionState state : values()) {
            VALID_PREVIOUS.put(
                    state,
                    Collections.unmodifiableSet(
                            switch (state) {
                                case New -> EnumSet.of(NonExistent);
                                case Online -> EnumSet.of(New, Online, Offline);
                                case Offline -> EnumSet.of(New, Online, Offline);
                                case NonExistent -> EnumSet.of(Offline);
                            }));
        }
    }

    /** The states this state may be entered from. */
    public Set<PartitionState> validPreviousStates() {
        return VALID_PREVIOUS.get(this);
    }

    /** Checks moving a partition from {@code current} to {@code target}. */
    public static TransitionCheck transition(PartitionState current, PartitionState target) {
        if (target.validPreviousStates().contains(current)) {
            return new TransitionCheck.Valid(current, target);
        }
        return new IllegalStateTransition(current, target, target.validPreviousStates());
    }
}
