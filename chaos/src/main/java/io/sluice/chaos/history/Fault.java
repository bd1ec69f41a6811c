package io.sluice.chaos.history;

import java.util.List;
import java.util.Map;

/**
 * A fault injected ({@link Op#START}), undone ({@link Op#STOP}: the process restarted, the proxy passes traffic
 * again) and healed ({@link Op#HEALED}: after the stop, every partition had a leader and a full ISR again, as the
 * harness saw it); all three carry the same {@code id}. A run cut short may lack the stop or the healed event.
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
        STOP,
        HEALED
    }
}
