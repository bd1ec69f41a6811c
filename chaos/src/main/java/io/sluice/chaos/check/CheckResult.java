package io.sluice.chaos.check;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The verdict on one history: every anomaly found (up to {@link Anomalies#KEPT_PER_KIND} per kind, with exact totals
 * in {@code anomalyCounts}), what the history holds in numbers, and how long each fault kept partitions from serving.
 * Serialises to and from JSON with Jackson (the report's {@code result.json}).
 *
 * @param valid whether no anomaly was found
 * @param run what was run
 * @param counts what the history holds
 * @param anomalyCounts the number of anomalies of each kind found (kinds with none are absent)
 * @param anomalies the anomalies, grouped by kind in the order of {@link Anomaly.Kind}, each kind in history order
 * @param availability one entry per fault, in the order the faults started
 * @param livenessLimitMs the longest a partition may go without an ack after a fault healed
 */
public record CheckResult(
        boolean valid,
        RunInfo run,
        Counts counts,
        Map<Anomaly.Kind, Long> anomalyCounts,
        List<Anomaly> anomalies,
        List<FaultAvailability> availability,
        long livenessLimitMs) {

    public CheckResult {
        anomalyCounts = Collections.unmodifiableMap(new TreeMap<>(anomalyCounts));
        anomalies = List.copyOf(anomalies);
        availability = List.copyOf(availability);
    }

    /** The number of anomalies found, including those not kept in {@link #anomalies()}. */
    public long anomalyTotal() {
        return anomalyCounts.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * What was run, from the history's first event.
     *
     * @param seed the run's seed (-1 if the history has no RunStarted)
     * @param durationMs the planned length of the fault phase
     * @param faultKinds the fault kinds the schedule could pick
     * @param brokers the cluster's broker ids
     * @param partitions every partition of the workload, sorted
     * @param settings the run's settings
     * @param endT the time of the history's last event
     */
    public record RunInfo(
            long seed,
            long durationMs,
            List<String> faultKinds,
            List<Integer> brokers,
            List<String> partitions,
            Map<String, String> settings,
            long endT) {}
}
