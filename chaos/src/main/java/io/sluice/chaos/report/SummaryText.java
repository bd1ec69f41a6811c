package io.sluice.chaos.report;

import io.sluice.chaos.check.Anomaly;
import io.sluice.chaos.check.CheckResult;
import io.sluice.chaos.check.Counts;
import io.sluice.chaos.check.FaultAvailability;
import io.sluice.chaos.check.FaultAvailability.PartitionAvailability;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The text of {@code summary.txt}: verdict, run, counts, anomalies by kind, availability per fault. Stateless. */
final class SummaryText {
    static final int SHOWN_PER_KIND = 5;

    private SummaryText() {}

    static String of(CheckResult result) {
        StringBuilder out = new StringBuilder();
        long total = result.anomalyTotal();
        out.append(result.valid() ? "VALID" : "INVALID: " + total + (total == 1 ? " anomaly" : " anomalies"))
                .append('\n');
        CheckResult.RunInfo run = result.run();
        Counts c = result.counts();
        out.append(String.format(
                Locale.ROOT,
                "run: seed %d, planned %s, brokers %s, %d partitions, %d events over %s%n",
                run.seed(),
                seconds(run.durationMs()),
                run.brokers(),
                run.partitions().size(),
                c.events(),
                seconds(run.endT())));
        out.append(String.format(
                Locale.ROOT,
                "writes: %d sent, %d acknowledged, %d failed, %d indeterminate; records read %d, final read %d;"
                        + " %d faults, %d samples%n",
                c.writesInvoked(),
                c.writesAcknowledged(),
                c.writesFailed(),
                c.writesIndeterminate(),
                c.recordsRead(),
                c.finalReadRecords(),
                c.faults(),
                c.samples()));
        if (!result.valid()) {
            out.append("\nanomalies:\n");
            for (Anomaly.Kind kind : Anomaly.Kind.values()) {
                long count = result.anomalyCounts().getOrDefault(kind, 0L);
                if (count == 0) {
                    continue;
                }
                out.append(String.format(Locale.ROOT, "  %s (%d): %s%n", kind, count, kind.description()));
                int shown = 0;
                for (Anomaly a : result.anomalies()) {
                    if (a.kind() == kind && shown++ < SHOWN_PER_KIND) {
                        out.append("    ").append(line(a)).append('\n');
                    }
                }
                if (count > SHOWN_PER_KIND) {
                    out.append("    ... and ")
                            .append(count - SHOWN_PER_KIND)
                            .append(" more (")
                            .append(Report.RESULT)
                            .append(")\n");
                }
            }
        }
        out.append(availability(result));
        return out.toString();
    }

    /** One anomaly on one line: time, position, records, processes, explanation. */
    static String line(Anomaly a) {
        StringBuilder s = new StringBuilder();
        s.append("t=").append(seconds(a.t()));
        if (a.partition() != null) {
            s.append(' ').append(a.partition());
            if (a.offset() >= 0) {
                s.append('@').append(a.offset());
            }
        }
        if (!a.values().isEmpty()) {
            s.append(' ').append(a.values());
        }
        if (!a.processes().isEmpty()) {
            s.append(" by ").append(String.join(",", a.processes()));
        }
        return s.append(": ").append(a.explanation()).toString();
    }

    private static String availability(CheckResult result) {
        if (result.availability().isEmpty()) {
            return "\nno faults\n";
        }
        StringBuilder out = new StringBuilder();
        out.append(
                        "\navailability per fault (ms from the fault's start; ack: first ack of a write sent after the start;"
                                + " read: first consumer poll returning a value sent after the start; gap: longest time without an ack after it healed, limit ")
                .append(result.livenessLimitMs())
                .append(" ms):\n");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {
            "fault", "name", "targets", "start", "stop", "healed", "partitions", "max ack", "max read", "gap after heal"
        });
        for (FaultAvailability f : result.availability()) {
            long maxRead = 0;
            for (PartitionAvailability p : f.partitions()) {
                maxRead = p.msToRead() < 0 || maxRead < 0 ? -1 : Math.max(maxRead, p.msToRead());
            }
            rows.add(new String[] {
                f.id(),
                f.name(),
                String.valueOf(f.targets()),
                seconds(f.start()),
                seconds(f.stop()),
                seconds(f.healed()),
                f.clusterWide()
                        ? "all " + f.partitions().size()
                        : String.valueOf(f.partitions().size()),
                ms(f.maxMsToAck()),
                ms(maxRead),
                f.livenessWindowEnd() < 0
                        ? "-"
                        : f.longestGapAfterHealMs() + " ms"
                                + (f.longestGapPartition() == null ? "" : " " + f.longestGapPartition())
            });
        }
        out.append(table(rows));
        for (FaultAvailability f : result.availability()) {
            StringBuilder line = new StringBuilder("  ").append(f.id()).append(" ack/read ms:");
            for (PartitionAvailability p : f.partitions()) {
                line.append(' ')
                        .append(p.partition())
                        .append(' ')
                        .append(ms(p.msToAck()))
                        .append('/')
                        .append(ms(p.msToRead()));
            }
            out.append(line).append('\n');
        }
        return out.toString();
    }

    private static String table(List<String[]> rows) {
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder(" ");
            for (int i = 0; i < row.length; i++) {
                line.append(' ').append(row[i]).append(" ".repeat(widths[i] - row[i].length()));
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    static String seconds(long ms) {
        return ms < 0 ? "-" : String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
    }

    private static String ms(long ms) {
        return ms < 0 ? "never" : Long.toString(ms);
    }
}
