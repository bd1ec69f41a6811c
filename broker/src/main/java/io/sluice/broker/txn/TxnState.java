package io.sluice.broker.txn;

import java.util.EnumSet;
import java.util.Set;

/**
 * The state of one transactional id, with Kafka's status ids (the {@code transaction_status} byte of
 * {@code __transaction_state} values).
 *
 * <pre>
 *                 AddPartitions                 EndTxn(commit)
 *   Empty ───────────────────────► Ongoing ─────────────────────► PrepareCommit ──markers──► CompleteCommit
 *     ▲  ▲                         │   │ EndTxn(abort), timeout,                                 │
 *     │  └─ InitProducerId ────────┼───┘ InitProducerId                                          │
 *     │                            ▼                                                              │
 *     │                       PrepareAbort ──markers──► CompleteAbort                             │
 *     └────────── InitProducerId (epoch bump) ◄──────────────┴───────────────────────────────────┘
 *                 AddPartitions from CompleteCommit/CompleteAbort → Ongoing
 * </pre>
 *
 * Dead and PrepareEpochFence are decoded (Kafka writes them) but this coordinator does not enter them.
 */
public enum TxnState {
    EMPTY(0, "Empty"),
    ONGOING(1, "Ongoing"),
    PREPARE_COMMIT(2, "PrepareCommit"),
    PREPARE_ABORT(3, "PrepareAbort"),
    COMPLETE_COMMIT(4, "CompleteCommit"),
    COMPLETE_ABORT(5, "CompleteAbort"),
    DEAD(6, "Dead"),
    PREPARE_EPOCH_FENCE(7, "PrepareEpochFence");

    private final byte id;
    private final String displayName;

    TxnState(int id, String displayName) {
        this.id = (byte) id;
        this.displayName = displayName;
    }

    /** Kafka's name of the state, as DescribeTransactions and ListTransactions report it. */
    public String displayName() {
        return displayName;
    }

    /** The state named {@code displayName} (Kafka's name), if any. */
    public static java.util.Optional<TxnState> fromDisplayName(String displayName) {
        for (TxnState state : values()) {
            if (state.displayName.equals(displayName)) {
                return java.util.Optional.of(state);
            }
        }
        return java.util.Optional.empty();
    }

    /** Kafka's status byte. */
    public byte id() {
        return id;
    }

    /** The state of a status byte. */
    public static TxnState fromId(byte id) {
        for (TxnState state : values()) {
            if (state.id == id) {
                return state;
            }
        }
        throw new IllegalArgumentException("unknown transaction status " + id);
    }

    /** The states this one may follow. */
    public Set<TxnState> validPrevious() {
        return switch (this) {
            case EMPTY -> EnumSet.of(EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case ONGOING -> EnumSet.of(ONGOING, EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case PREPARE_COMMIT -> EnumSet.of(ONGOING);
            case PREPARE_ABORT -> EnumSet.of(ONGOING, PREPARE_EPOCH_FENCE, EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case COMPLETE_COMMIT -> EnumSet.of(PREPARE_COMMIT);
            case COMPLETE_ABORT -> EnumSet.of(PREPARE_ABORT);
            case DEAD -> EnumSet.of(EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case PREPARE_EPOCH_FENCE -> EnumSet.of(ONGOING);
        };
    }

    /** Whether markers are being written (the outcome is decided). */
    public boolean isPrepare() {
        return this == PREPARE_COMMIT || this == PREPARE_ABORT;
    }

    /** Whether no transaction is open (a new one may start). */
    public boolean isIdle() {
        return this == EMPTY || this == COMPLETE_COMMIT || this == COMPLETE_ABORT;
    }
}
