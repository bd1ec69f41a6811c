package io.sluice.chaos.check;

import io.sluice.chaos.check.HistoryIndex.ValueInfo;
import io.sluice.chaos.history.Event;
import io.sluice.chaos.history.RunStarted;
import io.sluice.chaos.history.Send;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks a chaos run's history: a pure function from the recorded events to a {@link CheckResult}. One pass builds a
 * {@link HistoryIndex}; then each family of checks makes one more linear pass (plus sorts per partition):
 * {@link WriteChecks} (lost, moved, duplicated, failed-but-read, unknown, phantom values; producer order),
 * {@link ConsumerChecks} (poll continuity, commits), {@link MetadataChecks} (samples), {@link HealChecks} (end state,
 * final read) and {@link Availability} (per fault, liveness after healing). docs/chaos-checker.md describes every
 * check and anomaly kind.
 *
 * <p>Stateless and thread-safe.
 */
public final class Checker {
    private Checker() {}

    public static CheckResult check(List<Event> history) {
        HistoryIndex index = new HistoryIndex(history);
        Anomalies anomalies = new Anomalies();
        WriteChecks.run(index, anomalies);
        ConsumerChecks.run(index, anomalies);
        MetadataChecks.run(index, anomalies);
        HealChecks.run(index, anomalies);
        List<FaultAvailability> availability = Availability.run(index, anomalies);
        return new CheckResult(
                anomalies.counts().isEmpty(),
                runInfo(index),
                counts(index),
                anomalies.counts(),
                anomalies.list(),
                availability,
                index.settings.livenessLimitMs());
    }

    private static CheckResult.RunInfo runInfo(HistoryIndex index) {
        RunStarted run = index.run;
        List<String> partitions = new ArrayList<>(index.partitions);
        if (run == null) {
            return new CheckResult.RunInfo(-1, -1, List.of(), List.of(), partitions, Map.of(), index.endT);
        }
        return new CheckResult.RunInfo(
                run.seed(),
                run.durationMs(),
                run.faults() == null ? List.of() : List.copyOf(run.faults()),
                run.brokers() == null ? List.of() : List.copyOf(run.brokers()),
                partitions,
                run.settings() == null ? Map.of() : Map.copyOf(run.settings()),
                index.endT);
    }

    private static Counts counts(HistoryIndex index) {
        long invoked = 0;
        long acknowledged = 0;
        long failed = 0;
        long indeterminate = 0;
        for (List<ValueInfo> values : index.producers.values()) {
            for (ValueInfo v : values) {
                invoked++;
                if (v.outcome == Send.Op.OK) {
                    acknowledged++;
                } else if (v.outcome == Send.Op.FAIL) {
                    failed++;
                } else {
                    indeterminate++;
                }
            }
        }
        long finalRecords = 0;
        for (HistoryIndex.FinalRead fin : index.finalReads.values()) {
            finalRecords += fin.offsets.length;
        }
        return new Counts(
                index.events.size(),
                invoked,
                acknowledged,
                failed,
                indeterminate,
                index.recordsRead,
                finalRecords,
                index.faults.size(),
                index.samples.size());
    }
}
