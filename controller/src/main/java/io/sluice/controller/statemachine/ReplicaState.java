package io.sluice.controller.statemachine;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Controller-side state of one replica (a partition on one broker), as in Kafka's ZooKeeper-mode
 * ReplicaStateMachine. A replica the controller knows nothing about is {@link #NonExistentReplica}.
 *
 * <pre>
 *   NonExistentReplica ──▶ New ──┬──▶ Online ◀──────────────────┐ ◀─┐ resend
 *          ▲                     │      ▲ │                      │ ──┘
 *          │                     │      │ ▼                      │
 *          │                     └──▶ Offline ◀──────────────────┤ ◀─┐ still down
 *          │                            │ │                      │ ──┘
 *          │                            │ └──▶ ReplicaDeletionIneligible
 *          │                            ▼                        ▲
 *          │                  ReplicaDeletionStarted ──failed────┘
 *          │                            │ confirmed
 *          │                            ▼
 *          └─────────────── ReplicaDeletionSuccessful
 * </pre>
 *
 * <p>Valid previous states: New ← NonExistentReplica; Online and Offline ← New, Online, Offline,
 * ReplicaDeletionIneligible; ReplicaDeletionStarted ← Offline; ReplicaDeletionSuccessful ←
 * ReplicaDeletionStarted; ReplicaDeletionIneligible ← Offline, ReplicaDeletionStarted;
 * NonExistentReplica ← ReplicaDeletionSuccessful.
 */
public enum ReplicaState {
    /** Assigned, the broker has not been told to host it yet (only a follower can be new). */
    New,
    /** Hosted by a live broker (leader or follower). */
    Online,
    /** Its broker is down or stopped hosting it. */
    Offline,
    /** A StopReplica with delete was sent for topic deletion. */
    ReplicaDeletionStarted,
    /** The broker confirmed the deletion. */
    ReplicaDeletionSuccessful,
    /** Deletion failed or cannot proceed now (e.g. broker down); retried later. */
    ReplicaDeletionIneligible,
    /** Deleted, or never existed. */
    NonExistentReplica;

    private static final Map<ReplicaState, Set<ReplicaState>> VALID_PREVIOUS = new EnumMap<>(ReplicaState.class);

    static {
        for (ReplicaState state : values()) {
            VALID_PREVIOUS.put(
                    state,
                    Collections.unmodifiableSet(
                            switch (state) {
                                case New -> EnumSet.of(NonExistentReplica);
                                case Online, Offline -> EnumSet.of(New, Online, Offline, ReplicaDeletionIneligible);
                                case ReplicaDeletionStarted -> EnumSet.of(Offline);
                                case ReplicaDeletionSuccessful -> EnumSet.of(ReplicaDeletionStarted);
                                case ReplicaDeletionIneligible -> EnumSet.of(Offline, ReplicaDeletionStarted);
                                case NonExistentReplica -> EnumSet.of(ReplicaDeletionSuccessful);
                            }));
        }
    }

    /** The states this state may be entered from. */
    public Set<ReplicaState> validPreviousStates() {
        return VALID_PREVIOUS.get(this);
    }

    /** Checks moving a replica from {@code current} to {@code target}. */
    public static TransitionCheck transition(ReplicaState current, ReplicaState target) {
        if (target.validPreviousStates().contains(current)) {
            return new TransitionCheck.Valid(current, target);
        }
        return new IllegalStateTransition(current, target, target.validPreviousStates());
    }
}
