package io.sluice.chaos.fault;

import java.util.List;
import java.util.Map;

/**
 * A prepared fault: its targets and parameters, and the actions that inject and undo it. {@link #stop} must leave
 * the targets as the fault found them (processes running, links open), even if {@link #start} failed halfway.
 *
 * @param targets broker ids ({@code -1} for ZooKeeper)
 */
public record Injection(List<Integer> targets, Map<String, String> params, Action start, Action stop) {

    /** One step of a fault. */
    @FunctionalInterface
    public interface Action {
        void run() throws Exception;
    }
}
