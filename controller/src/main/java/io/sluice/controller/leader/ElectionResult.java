package io.sluice.controller.leader;

/**
 * Outcome of a leader election: the state to write (if any) and why. Every variant carries the
 * resulting {@link LeaderAndIsr}; only {@link Unchanged} means there is nothing to write.
 */
public sealed interface ElectionResult {

    /** The partition state after the election (the current one for {@link Unchanged}). */
    LeaderAndIsr state();

    /** Whether the state differs from the current one and must be written. */
    default boolean changed() {
        return !(this instanceof Unchanged);
    }

    /**
     * A (new) leader was elected; leader epoch + 1.
     *
     * @param unclean true if the leader was not in the ISR (unclean election: data may be lost)
     */
    record Elected(LeaderAndIsr state, boolean unclean) implements ElectionResult {}

    /** The leader stays, the ISR changed; leader epoch unchanged. */
    record IsrChanged(LeaderAndIsr state, String reason) implements ElectionResult {}

    /**
     * The partition lost its leader and no replica may take over: leader {@link
     * LeaderAndIsr#NO_LEADER}, leader epoch + 1, the ISR kept non-empty.
     */
    record LeaderLost(LeaderAndIsr state, String reason) implements ElectionResult {}

    /** Nothing to change (already in the wanted state, or no eligible replica); the reason says which. */
    record Unchanged(LeaderAndIsr state, String reason) implements ElectionResult {}
}
