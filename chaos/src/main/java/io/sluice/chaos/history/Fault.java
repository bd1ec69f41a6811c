package io.sluice.chaos.history;

import java.util.List;
import java.util.Map;

/**
 * A fault injected ({@link Op#START}) or healed ({@link Op#STOP}); both carry the same {@code id}.
 *
 * @param id unique in the run ({@code f1}, {@code f2}, ...)
 * @param name the fault kind (e.g. {@code kill-leader}, {@code pause-controller}, {@code partition-majority})
 * @param params the fault's parameters as strings
 * @param targets the broker ids it acts on (-1 for ZooKeeper)
 * @param expected the effect the fault should have, in words (shown in the report)
 */
public record Fault(
        long t, Op op, String id, String name, Map<String, String> params, List<Integer> targets, String expected)
        implements Event {

    /** Injection or healing. */
    public enum Op {
        START,
        STOP
    }
}
