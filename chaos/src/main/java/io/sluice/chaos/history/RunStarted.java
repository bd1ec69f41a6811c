package io.sluice.chaos.history;

import java.util.List;
import java.util.Map;

/**
 * The first event of every history: what was run.
 *
 * @param seed the seed of the fault schedule and the workload's choices
 * @param durationMs the planned length of the fault phase
 * @param faults the names of the fault kinds the schedule could pick ({@code --faults})
 * @param brokers the broker ids of the cluster
 * @param topics the workload's topics with their partition counts
 * @param settings everything else that shapes the run (acks, min.insync.replicas, session timeout, producer and
 *     consumer counts, cluster directory, switches), as strings
 */
public record RunStarted(
        long t,
        long seed,
        long durationMs,
        List<String> faults,
        List<Integer> brokers,
        Map<String, Integer> topics,
        Map<String, String> settings)
        implements Event {}
