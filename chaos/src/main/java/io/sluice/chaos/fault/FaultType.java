package io.sluice.chaos.fault;

import java.util.Random;

/**
 * A kind of fault: its name (what {@code --faults} lists), its parameters and the effect it should have, and how it
 * prepares an injection. Implementations are stateless; everything a run chooses comes from the {@link Random} passed
 * in (seeded per planned fault) and the cluster as sampled.
 */
public interface FaultType {
    /** The name used by {@code --faults} and in the history. */
    String name();

    /** The parameters, in words (shown by {@code sluice-chaos faults}). */
    String params();

    /** The expected effect, in words (recorded in the history and shown in the report). */
    String expected();

    /** Whether it needs the proxies of a cluster the harness started. */
    boolean needsNetwork();

    /** The range the hold time (injection to undo) is drawn from, in ms, given the cluster's timeouts. */
    long[] holdRangeMs(FaultContext ctx);

    /**
     * Chooses targets and parameters; returns null if nothing suitable is free (with {@code --overlap}).
     *
     * @param holdMs how long the fault is held, drawn by the schedule from {@link #holdRangeMs}
     */
    Injection prepare(FaultContext ctx, Random random, long holdMs) throws Exception;
}
