package io.sluice.chaos.check;

import io.sluice.chaos.check.Anomaly.Kind;
import io.sluice.chaos.check.HistoryIndex.FinalRead;
import io.sluice.chaos.check.HistoryIndex.ValueInfo;
import io.sluice.chaos.history.Phase;
import io.sluice.chaos.history.Sample;
import io.sluice.chaos.history.Send;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * The checks of the end state: after the HEALED phase every partition has a leader and a full ISR (in the last sample
 * of it at or after the phase), and the final read covers every partition from offset 0 (or the log start, when
 * retention may delete) up to the highest high watermark sampled and the highest acknowledged offset, without gaps
 * when offsets are dense. Stateless between calls.
 */
final class HealChecks {
    private static final String FINAL = "final";

    private HealChecks() {}

    static void run(HistoryIndex index, Anomalies out) {
        checkHealed(index, out);
        checkFinalRead(index, out);
    }

    private static void checkHealed(HistoryIndex index, Anomalies out) {
        Long healedAt = index.phases.get(Phase.Name.HEALED);
        if (healedAt == null) {
            out.add(
                    Kind.NOT_HEALED,
                    null,
                    -1,
                    List.of(),
                    index.endT,
                    List.of(),
                    "the history has no HEALED phase: the run never saw every partition healed");
            return;
        }
        Map<String, Sample.PartitionSample> lastAfter = new HashMap<>();
        Map<String, Long> sampledAt = new HashMap<>();
        for (Sample s : index.samples) {
            if (s.t() >= healedAt && s.partitions() != null) {
                s.partitions().forEach((partition, p) -> {
                    if (p != null) {
                        lastAfter.put(partition, p);
                        sampledAt.put(partition, s.t());
                    }
                });
            }
        }
        for (String partition : index.partitions) {
            Sample.PartitionSample p = lastAfter.get(partition);
            if (p == null) {
                out.add(
                        Kind.NOT_HEALED,
                        partition,
                        -1,
                        List.of(),
                        healedAt,
                        Anomalies.names("sampler"),
                        partition + " was never sampled after the HEALED phase (t=" + healedAt + ")");
            } else if (p.leader() < 0
                    || p.isr() == null
                    || p.replicas() == null
                    || p.replicas().isEmpty()
                    || !new HashSet<>(p.isr()).equals(new HashSet<>(p.replicas()))) {
                out.add(
                        Kind.NOT_HEALED,
                        partition,
                        -1,
                        List.of(),
                        sampledAt.get(partition),
                        Anomalies.names("sampler"),
                        partition + " after the HEALED phase: leader " + p.leader() + ", ISR " + p.isr() + ", replicas "
                                + p.replicas());
            }
        }
    }

    private static void checkFinalRead(HistoryIndex index, Anomalies out) {
        Long finalAt = index.phases.get(Phase.Name.FINAL_READ);
        long t = finalAt == null ? index.endT : finalAt;
        if (!index.hasFinalRead()) {
            out.add(
                    Kind.FINAL_READ_INCOMPLETE,
                    null,
                    -1,
                    List.of(),
                    t,
                    Anomalies.names(FINAL),
                    "the history has no final read: lost writes and phantoms cannot be checked");
            return;
        }
        Map<String, Long> end = new HashMap<>(); // partition -> offset the final read must reach (exclusive)
        for (Sample s : index.samples) {
            if (s.partitions() != null) {
                s.partitions().forEach((partition, p) -> {
                    if (p != null) {
                        end.merge(partition, p.highWatermark(), Math::max);
                    }
                });
            }
        }
        for (List<ValueInfo> values : index.producers.values()) {
            for (ValueInfo v : values) {
                if (v.outcome == Send.Op.OK && v.partition != null) {
                    end.merge(v.partition, v.ackOffset + 1, Math::max);
                }
            }
        }
        for (String partition : index.partitions) {
            long mustReach = end.getOrDefault(partition, 0L);
            FinalRead fin = index.finalReads.get(partition);
            if (fin == null) {
                if (mustReach > 0) {
                    out.add(
                            Kind.FINAL_READ_INCOMPLETE,
                            partition,
                            0,
                            List.of(),
                            t,
                            Anomalies.names(FINAL),
                            "the final read returned no record of " + partition + ", which holds offsets up to "
                                    + (mustReach - 1));
                }
                continue;
            }
            if (fin.logStart() > 0 && !index.settings.retentionDeletes()) {
                out.add(
                        Kind.FINAL_READ_INCOMPLETE,
                        partition,
                        0,
                        List.of(),
                        t,
                        Anomalies.names(FINAL),
                        "the final read of " + partition + " starts at " + fin.logStart() + ", not at 0");
            }
            if (index.settings.denseOffsets()) {
                for (int i = 1; i < fin.offsets.length; i++) {
                    if (fin.offsets[i] != fin.offsets[i - 1] + 1) {
                        out.add(
                                Kind.FINAL_READ_INCOMPLETE,
                                partition,
                                fin.offsets[i - 1] + 1,
                                List.of(),
                                t,
                                Anomalies.names(FINAL),
                                "the final read of " + partition + " has no record at offsets "
                                        + (fin.offsets[i - 1] + 1) + ".." + (fin.offsets[i] - 1));
                    }
                }
            }
            if (fin.lastOffset() + 1 < mustReach) {
                out.add(
                        Kind.FINAL_READ_INCOMPLETE,
                        partition,
                        fin.lastOffset() + 1,
                        List.of(),
                        t,
                        Anomalies.names(FINAL),
                        "the final read of " + partition + " ends at " + fin.lastOffset()
                                + " but the partition's high watermark or an acknowledged offset reached "
                                + (mustReach - 1));
            }
        }
    }
}
