package io.sluice.chaos.report;

import io.sluice.chaos.check.Anomaly;
import io.sluice.chaos.check.CheckResult;
import io.sluice.chaos.check.FaultAvailability;
import io.sluice.chaos.history.Event;
import io.sluice.chaos.history.Fault;
import io.sluice.chaos.history.Phase;
import io.sluice.chaos.history.Sample;
import io.sluice.chaos.history.Send;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The page {@code timeline.html}: one inline SVG over the run's time, top to bottom: fault labels, producer acks and
 * errors per second, one lane per partition (leader as colour and number, ISR as the strip under it: green full,
 * orange shrunk, red leaderless), a lane for anomalies of no partition, the time axis. Faults are bands over all of it
 * (START..STOP dark, STOP..HEALED light), phases dashed lines, anomalies red dots, a wait for an ack after a heal
 * longer than the limit a red bar on its lane; everything has a tooltip. The
 * summary text follows the picture. No script, no external resource. Stateless.
 */
final class Timeline {
    static final int LEFT = 110;
    static final int PLOT_WIDTH = 1100;
    static final int RIGHT = 40;
    static final int LABEL_ROW = 14;
    static final int CHART_HEIGHT = 110;
    static final int LANE_HEIGHT = 18;
    static final int LANE_GAP = 4;
    static final int ISR_STRIP = 5;
    static final int MAX_MARKERS = 500;
    static final int MAX_MARKERS_PER_KIND = 100;
    static final int MAX_BINS = 600;
    private static final String[] BROKER_COLOURS = {
        "#4e79a7", "#b07aa1", "#9c755f", "#76b7b2", "#edc948", "#ff9da7", "#bab0ac", "#499894", "#d4a6c8", "#79706e"
    };

    private Timeline() {}

    static String html(List<Event> history, CheckResult result) {
        long end = Math.max(1_000, result.run().endT());
        Scale x = new Scale(end);
        Collected data = collect(history, result, end);
        List<String> partitions = result.run().partitions();

        int labelRows = Math.max(1, Math.min(4, data.faults.size()));
        int chartTop = 10 + labelRows * LABEL_ROW + 6;
        int chartBottom = chartTop + CHART_HEIGHT;
        int lanesTop = chartBottom + 22;
        Map<String, Integer> laneY = new HashMap<>();
        for (int i = 0; i < partitions.size(); i++) {
            laneY.put(partitions.get(i), lanesTop + i * (LANE_HEIGHT + LANE_GAP));
        }
        int runLaneY = lanesTop + partitions.size() * (LANE_HEIGHT + LANE_GAP);
        int axisY = runLaneY + LANE_HEIGHT + 8;
        int height = axisY + 30;
        int width = LEFT + PLOT_WIDTH + RIGHT;

        StringBuilder svg = new StringBuilder();
        svg.append(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                        + " font-family=\"sans-serif\" font-size=\"11\">%n",
                width,
                height,
                width,
                height));
        svg.append("<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n");
        faultBands(svg, data.faults, x, labelRows, axisY);
        phases(svg, data.phases, x, chartTop, axisY);
        chart(svg, data, x, chartTop);
        lanes(svg, data, partitions, laneY, runLaneY, x);
        gaps(svg, result, laneY, x);
        markers(svg, result.anomalies(), laneY, runLaneY, x);
        axis(svg, x, axisY);
        svg.append("</svg>\n");

        String title = "Sluice chaos run, seed " + result.run().seed() + ": "
                + (result.valid()
                        ? "VALID"
                        : Report.summary(result).lines().findFirst().orElse("INVALID"));
        return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + esc(title) + "</title>\n"
                + "<style>body{font-family:sans-serif;margin:16px}pre{font-size:12px}"
                + ".key span{display:inline-block;width:12px;height:12px;margin:0 4px 0 14px;vertical-align:middle}"
                + "</style></head><body>\n<h2 style=\"color:" + (result.valid() ? "#1a7f1a" : "#c00") + "\">"
                + esc(title) + "</h2>\n" + legend() + svg + "<pre>" + esc(Report.summary(result))
                + "</pre>\n</body></html>\n";
    }

    private static String legend() {
        return "<p class=\"key\">"
                + "<span style=\"background:#e15759;opacity:.35\"></span>fault active (start..stop)"
                + "<span style=\"background:#f28e2b;opacity:.2\"></span>undone, healing (stop..healed)"
                + "<span style=\"background:#59a14f\"></span>acks/s"
                + "<span style=\"background:#c00\"></span>errors/s (failed or unknown sends)"
                + "<span style=\"background:#2ca02c\"></span>ISR full"
                + "<span style=\"background:#ff9900\"></span>ISR shrunk"
                + "<span style=\"background:#b00000\"></span>no leader"
                + "<span style=\"background:#c00;border-radius:6px\"></span>anomaly (hover for records)"
                + "<span style=\"background:#c00;opacity:.6;height:6px\"></span>no ack after a heal, over the limit"
                + "<span style=\"background:#4e79a7\"></span>leader 1"
                + "<span style=\"background:#b07aa1\"></span>leader 2"
                + "<span style=\"background:#9c755f\"></span>leader 3"
                + "<br>Lanes: one per partition, coloured and numbered by leader; black tick = leader change."
                + " Hover anything for details.</p>\n";
    }

    private static void faultBands(StringBuilder svg, List<FaultSpan> faults, Scale x, int rows, int bottom) {
        for (int i = 0; i < faults.size(); i++) {
            FaultSpan f = faults.get(i);
            if (f.start < 0) {
                continue;
            }
            long stop = f.stop >= 0 ? f.stop : x.end;
            long healed = f.healed >= 0 ? f.healed : (f.stop >= 0 ? x.end : -1);
            String tip = esc(f.id + " " + f.name + " targets " + f.targets + ": start " + SummaryText.seconds(f.start)
                    + ", stop " + SummaryText.seconds(f.stop) + ", healed " + SummaryText.seconds(f.healed)
                    + (f.expected == null ? "" : "; expected: " + f.expected));
            svg.append(String.format(
                    Locale.ROOT,
                    "<rect class=\"fault-band\" x=\"%.1f\" y=\"10\" width=\"%.1f\" height=\"%d\" fill=\"#e15759\""
                            + " fill-opacity=\"0.25\"><title>%s</title></rect>%n",
                    x.at(f.start),
                    Math.max(1, x.at(stop) - x.at(f.start)),
                    bottom - 10,
                    tip));
            if (healed > stop) {
                svg.append(String.format(
                        Locale.ROOT,
                        "<rect class=\"fault-heal\" x=\"%.1f\" y=\"10\" width=\"%.1f\" height=\"%d\" fill=\"#f28e2b\""
                                + " fill-opacity=\"0.13\"><title>%s (healing)</title></rect>%n",
                        x.at(stop),
                        x.at(healed) - x.at(stop),
                        bottom - 10,
                        tip));
            }
            svg.append(String.format(
                    Locale.ROOT,
                    "<text class=\"fault-label\" x=\"%.1f\" y=\"%d\" fill=\"#a00\">%s<title>%s</title></text>%n",
                    x.at(f.start) + 2,
                    10 + (i % rows) * LABEL_ROW + 11,
                    esc(f.id + " " + f.name + " " + f.targets),
                    tip));
        }
    }

    private static void phases(StringBuilder svg, Map<Phase.Name, Long> phases, Scale x, int top, int bottom) {
        int row = 0;
        for (Map.Entry<Phase.Name, Long> phase : phases.entrySet()) {
            Phase.Name name = phase.getKey();
            long t = phase.getValue();
            if (name == Phase.Name.WORKLOAD) {
                continue;
            }
            boolean nearRightEdge = x.at(t) > LEFT + PLOT_WIDTH - 80;
            svg.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>"
                            + "<text x=\"%.1f\" y=\"%d\" fill=\"#555\" font-size=\"9\" text-anchor=\"%s\">%s"
                            + "<title>phase %s at %s</title></text>%n",
                    x.at(t),
                    top,
                    x.at(t),
                    bottom,
                    nearRightEdge ? x.at(t) - 2 : x.at(t) + 2,
                    top + 9 + 10 * row++,
                    nearRightEdge ? "end" : "start",
                    name,
                    name,
                    SummaryText.seconds(t)));
        }
    }

    private static void chart(StringBuilder svg, Collected data, Scale x, int top) {
        int bottom = top + CHART_HEIGHT;
        double seconds = data.binMs / 1000.0;
        long max = 1;
        for (int i = 0; i < data.acks.length; i++) {
            max = Math.max(max, Math.max(data.acks[i], data.errors[i]));
        }
        double perSecondMax = max / seconds;
        svg.append(String.format(
                Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#ccc\"/>%n"
                        + "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.0f/s</text>"
                        + "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>"
                        + "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#59a14f\">acks/s</text>"
                        + "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#c00\">errors/s</text>%n",
                LEFT,
                top,
                PLOT_WIDTH,
                CHART_HEIGHT,
                LEFT - 6,
                top + 10,
                perSecondMax,
                LEFT - 6,
                bottom,
                LEFT - 6,
                top + CHART_HEIGHT / 2,
                LEFT - 6,
                top + CHART_HEIGHT / 2 + 13));
        StringBuilder points = new StringBuilder();
        for (int i = 0; i < data.acks.length; i++) {
            double y = bottom - (double) data.acks[i] / max * (CHART_HEIGHT - 4);
            points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x.at(i * data.binMs + data.binMs / 2), y));
        }
        svg.append("<polyline class=\"acks\" fill=\"none\" stroke=\"#59a14f\" stroke-width=\"1.5\" points=\"")
                .append(points.toString().trim())
                .append("\"/>\n");
        for (int i = 0; i < data.errors.length; i++) {
            if (data.errors[i] == 0) {
                continue;
            }
            double h = Math.max(2, (double) data.errors[i] / max * (CHART_HEIGHT - 4));
            svg.append(String.format(
                    Locale.ROOT,
                    "<rect class=\"errors\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#c00\">"
                            + "<title>%s: %d errors, %d acks</title></rect>%n",
                    x.at(i * data.binMs),
                    bottom - h,
                    Math.max(1, x.at(data.binMs) - x.at(0) - 0.5),
                    h,
                    SummaryText.seconds(i * data.binMs),
                    data.errors[i],
                    data.acks[i]));
        }
    }

    private static void lanes(
            StringBuilder svg,
            Collected data,
            List<String> partitions,
            Map<String, Integer> laneY,
            int runLaneY,
            Scale x) {
        for (String partition : partitions) {
            int y = laneY.get(partition);
            svg.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>"
                            + "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f4f4f4\"/>%n",
                    LEFT - 6,
                    y + LANE_HEIGHT - 5,
                    esc(partition),
                    LEFT,
                    y,
                    PLOT_WIDTH,
                    LANE_HEIGHT));
            Integer previousLeader = null;
            for (Segment s : data.segments.getOrDefault(partition, List.of())) {
                double x0 = x.at(s.from);
                double w = Math.max(0.5, x.at(s.to) - x0);
                boolean leaderless = s.leader < 0;
                String fill =
                        leaderless ? "#b00000" : BROKER_COLOURS[Math.floorMod(s.leader - 1, BROKER_COLOURS.length)];
                boolean full = s.isr != null && s.replicas != null && s.isr.size() >= s.replicas.size();
                String strip =
                        leaderless || s.isr == null || s.isr.isEmpty() ? "#b00000" : full ? "#2ca02c" : "#ff9900";
                String tip = esc(partition + ": leader " + s.leader + ", epoch " + s.epoch + ", ISR " + s.isr
                        + ", replicas " + s.replicas + ", " + SummaryText.seconds(s.from) + " to "
                        + SummaryText.seconds(s.to));
                svg.append(String.format(
                        Locale.ROOT,
                        "<g class=\"lane-segment\"><title>%s</title>"
                                + "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" fill-opacity=\"0.75\"/>"
                                + "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>",
                        tip,
                        x0,
                        y,
                        w,
                        LANE_HEIGHT - ISR_STRIP,
                        fill,
                        x0,
                        y + LANE_HEIGHT - ISR_STRIP,
                        w,
                        ISR_STRIP,
                        strip));
                if (w > 14 && !leaderless) {
                    svg.append(String.format(
                            Locale.ROOT,
                            "<text x=\"%.1f\" y=\"%d\" fill=\"#fff\" font-size=\"10\">%d</text>",
                            x0 + 3,
                            y + LANE_HEIGHT - ISR_STRIP - 3,
                            s.leader));
                }
                svg.append("</g>\n");
                if (previousLeader != null && previousLeader != s.leader) {
                    svg.append(String.format(
                            Locale.ROOT,
                            "<line class=\"leader-change\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#000\""
                                    + " stroke-width=\"2\"><title>%s: leader %d to %d at %s</title></line>%n",
                            x0,
                            y - 2,
                            x0,
                            y + LANE_HEIGHT + 2,
                            esc(partition),
                            previousLeader,
                            s.leader,
                            SummaryText.seconds(s.from)));
                }
                previousLeader = s.leader;
            }
        }
        svg.append(String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">run</text>"
                        + "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f9f9f9\"/>%n",
                LEFT - 6,
                runLaneY + LANE_HEIGHT - 5,
                LEFT,
                runLaneY,
                PLOT_WIDTH,
                LANE_HEIGHT));
    }

    /** A red bar over each fault's longest wait for an ack after it healed, when longer than the limit. */
    private static void gaps(StringBuilder svg, CheckResult result, Map<String, Integer> laneY, Scale x) {
        for (FaultAvailability f : result.availability()) {
            Integer y = f.longestGapPartition() == null ? null : laneY.get(f.longestGapPartition());
            if (y == null || f.longestGapAfterHealMs() <= result.livenessLimitMs()) {
                continue;
            }
            double x0 = x.at(f.longestGapStart());
            svg.append(String.format(
                    Locale.ROOT,
                    "<rect class=\"gap\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#c00\""
                            + " fill-opacity=\"0.6\"><title>%s</title></rect>%n",
                    x0,
                    y + 3,
                    Math.max(1, x.at(f.longestGapStart() + f.longestGapAfterHealMs()) - x0),
                    LANE_HEIGHT - ISR_STRIP - 6,
                    esc(f.longestGapPartition() + ": no ack for " + f.longestGapAfterHealMs() + " ms from "
                            + SummaryText.seconds(f.longestGapStart()) + " after " + f.id() + " " + f.name()
                            + " healed")));
        }
    }

    private static void markers(
            StringBuilder svg, List<Anomaly> anomalies, Map<String, Integer> laneY, int runLaneY, Scale x) {
        int drawn = 0;
        Map<Anomaly.Kind, Integer> perKind = new HashMap<>();
        for (Anomaly a : anomalies) {
            if (drawn >= MAX_MARKERS || perKind.merge(a.kind(), 1, Integer::sum) > MAX_MARKERS_PER_KIND) {
                continue;
            }
            drawn++;
            Integer y = a.partition() == null ? null : laneY.get(a.partition());
            int cy = (y == null ? runLaneY : y) + LANE_HEIGHT / 2;
            svg.append(String.format(
                    Locale.ROOT,
                    "<circle class=\"anomaly\" cx=\"%.1f\" cy=\"%d\" r=\"5\" fill=\"#c00\" stroke=\"#fff\">"
                            + "<title>%s</title></circle>%n",
                    x.at(Math.max(0, a.t())),
                    cy,
                    esc(a.kind() + " " + SummaryText.line(a))));
        }
    }

    private static void axis(StringBuilder svg, Scale x, int y) {
        long[] steps = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400};
        long stepS = steps[steps.length - 1];
        for (long s : steps) {
            if (x.end / 1000.0 / s <= 15) {
                stepS = s;
                break;
            }
        }
        svg.append(String.format(
                Locale.ROOT,
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>%n",
                LEFT,
                y,
                LEFT + PLOT_WIDTH,
                y));
        for (long t = 0; t <= x.end; t += stepS * 1000) {
            svg.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#333\"/>"
                            + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%ds</text>%n",
                    x.at(t),
                    y,
                    x.at(t),
                    y + 4,
                    x.at(t),
                    y + 16,
                    t / 1000));
        }
    }

    private static Collected collect(List<Event> history, CheckResult result, long end) {
        long binMs = Math.max(1_000, (end / MAX_BINS / 1_000 + 1) * 1_000);
        int bins = (int) (end / binMs) + 1;
        Collected data = new Collected(binMs, bins);
        Map<String, FaultSpan> faults = new LinkedHashMap<>();
        Map<String, Segment> open = new HashMap<>();
        for (Event event : history) {
            if (event instanceof Send s && s.op() != null && s.op() != Send.Op.INVOKE) {
                int bin = (int) Math.min(bins - 1, Math.max(0, s.t()) / binMs);
                if (s.op() == Send.Op.OK) {
                    data.acks[bin]++;
                } else {
                    data.errors[bin]++;
                }
            } else if (event instanceof Fault f && f.id() != null && f.op() != null) {
                FaultSpan span = faults.computeIfAbsent(f.id(), id -> new FaultSpan(id, f.name(), f.targets()));
                switch (f.op()) {
                    case START -> span.start = f.t();
                    case STOP -> span.stop = f.t();
                    case HEALED -> span.healed = f.t();
                }
                if (f.expected() != null) {
                    span.expected = f.expected();
                }
            } else if (event instanceof Phase p && p.name() != null) {
                data.phases.putIfAbsent(p.name(), p.t());
            } else if (event instanceof Sample s && s.partitions() != null) {
                s.partitions().forEach((partition, ps) -> {
                    if (ps == null) {
                        return;
                    }
                    Segment current = open.get(partition);
                    if (current != null && current.sameState(ps)) {
                        current.to = s.t();
                        return;
                    }
                    if (current != null) {
                        current.to = s.t();
                    }
                    Segment next = new Segment(s.t(), ps);
                    open.put(partition, next);
                    data.segments
                            .computeIfAbsent(partition, k -> new ArrayList<>())
                            .add(next);
                });
            }
        }
        open.values().forEach(s -> s.to = Math.max(s.to, end));
        data.faults.addAll(faults.values());
        return data;
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** Maps ms since the run started to x. */
    private record Scale(long end) {
        double at(long t) {
            return LEFT + (double) Math.min(t, end) / end * PLOT_WIDTH;
        }
    }

    private static final class Collected {
        final long binMs;
        final long[] acks;
        final long[] errors;
        final List<FaultSpan> faults = new ArrayList<>();
        final Map<Phase.Name, Long> phases = new LinkedHashMap<>();
        final Map<String, List<Segment>> segments = new HashMap<>();

        Collected(long binMs, int bins) {
            this.binMs = binMs;
            this.acks = new long[bins];
            this.errors = new long[bins];
        }
    }

    private static final class FaultSpan {
        final String id;
        final String name;
        final List<Integer> targets;
        String expected;
        long start = -1;
        long stop = -1;
        long healed = -1;

        FaultSpan(String id, String name, List<Integer> targets) {
            this.id = id;
            this.name = name;
            this.targets = targets == null ? List.of() : targets;
        }
    }

    /** A stretch of time over which a partition's sampled leader, epoch and ISR stayed the same. */
    private static final class Segment {
        final long from;
        final int leader;
        final int epoch;
        final List<Integer> isr;
        final List<Integer> replicas;
        long to;

        Segment(long from, Sample.PartitionSample ps) {
            this.from = from;
            this.to = from;
            this.leader = ps.leader();
            this.epoch = ps.leaderEpoch();
            this.isr = ps.isr();
            this.replicas = ps.replicas();
        }

        boolean sameState(Sample.PartitionSample ps) {
            return leader == ps.leader()
                    && epoch == ps.leaderEpoch()
                    && Objects.equals(isr, ps.isr())
                    && Objects.equals(replicas, ps.replicas());
        }
    }
}
