package io.sluice.broker.group;

import java.util.EnumSet;
import java.util.Set;

/**
 * The states of a classic group, as Kafka names them (DescribeGroups and ListGroups report {@link #label()}).
 *
 * <pre>
 *            +-------------------------------------------------------------+
 *            |                                                             v
 *   Empty --join--> PreparingRebalance --all joined / timeout--> CompletingRebalance --leader sync--> Stable
 *     ^   ^               |  ^    ^                                 |                                   |
 *     |   +--no members---+  |    +-----member join/leave/expiry----+-----------------------------------+
 *     |                      |
 *     +--- every state --> Dead (group deleted, expired, or its partition unloaded)
 * </pre>
 */
public enum GroupState {
    EMPTY("Empty"),
    PREPARING_REBALANCE("PreparingRebalance"),
    COMPLETING_REBALANCE("CompletingRebalance"),
    STABLE("Stable"),
    DEAD("Dead");

    private final String label;

    GroupState(String label) {
        this.label = label;
    }

    /** Kafka's name of the state. */
    public String label() {
        return label;
    }

    /** The states a group may move to this one from. */
    Set<GroupState> validPrevious() {
        return switch (this) {
            case EMPTY -> EnumSet.of(PREPARING_REBALANCE);
            case PREPARING_REBALANCE -> EnumSet.of(STABLE, COMPLETING_REBALANCE, EMPTY);
            case COMPLETING_REBALANCE -> EnumSet.of(PREPARING_REBALANCE);
            case STABLE -> EnumSet.of(COMPLETING_REBALANCE);
            case DEAD -> EnumSet.of(STABLE, PREPARING_REBALANCE, COMPLETING_REBALANCE, EMPTY, DEAD);
        };
    }

    /** The state named {@code label} (case-insensitive), or null. */
    static GroupState ofLabel(String label) {
        for (GroupState state : values()) {
            if (state.label.equalsIgnoreCase(label)) {
                return state;
            }
        }
        return null;
    }
}
