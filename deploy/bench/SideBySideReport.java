import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.stream.Collectors;

/**
 * The report of deploy/bench/side-by-side.sh: reads DIR/passes.csv (one row per system, step and pass) and
 * DIR/meta.env, prints a table per step with both systems and their ratio, and writes DIR/results.md,
 * DIR/results.csv (the same tables as rows) and DIR/chart.svg (two headline metrics per step, Sluice beside Kafka,
 * each warm pass as a dot). Warm figures are medians over the warm passes that did not fail; the cold pass is shown
 * on its own; profiled passes are left out. A command-line tool: the tables go to standard output.
 *
 * <p>Usage: {@code SideBySideReport DIR}
 */
public class SideBySideReport {
    private static final String SLUICE = "sluice";
    private static final String KAFKA = "kafka";

    /** A metric of a step: the passes.csv column, how to show it, and whether more is better. */
    record Metric(String column, String label, String unit, boolean higherIsBetter, double scale) {
        Metric(String column, String label, String unit, boolean higherIsBetter) {
            this(column, label, unit, higherIsBetter, 1);
        }
    }

    record Step(String id, String title, List<Metric> metrics, List<Metric> chart) {}

    private static final Metric RPS = new Metric("records_per_s", "records/s", "", true);
    private static final Metric MBPS = new Metric("mb_per_s", "MB/s", "", true);
    private static final Metric P50 = new Metric("lat_p50_ms", "latency p50", "ms", false);
    private static final Metric P99 = new Metric("lat_p99_ms", "latency p99", "ms", false);
    private static final Metric P999 = new Metric("lat_p999_ms", "latency p99.9", "ms", false);
    private static final Metric AVG = new Metric("lat_avg_ms", "latency avg", "ms", false);
    private static final Metric CPU_GIB = new Metric("cpu_s_per_gib", "broker CPU per GiB", "s", false);
    private static final Metric CPU = new Metric("cpu_s_total", "broker CPU (3 brokers)", "s", false);
    private static final Metric GC_MS = new Metric("gc_pause_ms", "GC pauses, total", "ms", false);
    private static final Metric GC_MAX = new Metric("gc_max_pause_ms", "GC pause, longest", "ms", false);
    private static final Metric GC_N = new Metric("gc_pauses", "GC pauses", "", false);

    private static final List<Metric> PRODUCE = List.of(RPS, MBPS, AVG, P50, P99, P999, CPU_GIB, GC_N, GC_MS, GC_MAX);
    private static final List<Step> STEPS = List.of(
            new Step("a", "acks=all, 1 KiB records, 6 partitions RF 3", PRODUCE, List.of(MBPS, CPU_GIB)),
            new Step("b", "acks=1, 1 KiB records", PRODUCE, List.of(MBPS, CPU_GIB)),
            new Step("c", "acks=all, 100 B records", PRODUCE, List.of(RPS, CPU_GIB)),
            new Step(
                    "d",
                    "consumer group reading (a)'s records from the start",
                    List.of(RPS, MBPS, new Metric("rebalance_ms", "group join", "ms", false), CPU_GIB, GC_N, GC_MS,
                            GC_MAX),
                    List.of(MBPS, CPU_GIB)),
            new Step(
                    "e",
                    "end-to-end latency, acks=all, 1 KiB, 1 partition RF 3",
                    List.of(AVG, P50, P99, P999, CPU, GC_N, GC_MS, GC_MAX),
                    List.of(P99, AVG)),
            new Step("f", "(a) with compression.type=lz4", PRODUCE, List.of(MBPS, CPU_GIB)),
            new Step(
                    "g",
                    "1,000 partitions, 10 producers + 10 consumers",
                    List.of(
                            new Metric("records_per_s", "produce records/s", "", true),
                            new Metric("mb_per_s", "produce MB/s", "", true),
                            new Metric("consume_mb_per_s", "consume MB/s", "", true),
                            new Metric("lat_p50_ms", "produce latency p50", "ms", false),
                            new Metric("lat_p99_ms", "produce latency p99", "ms", false),
                            new Metric("e2e_p99_ms", "produce-to-consume p99", "ms", false),
                            new Metric("cpu_s_per_gib", "broker CPU per GiB (in + out)", "s", false),
                            GC_N,
                            GC_MS,
                            GC_MAX),
                    List.of(
                            new Metric("mb_per_s", "produce MB/s", "", true),
                            new Metric("cpu_s_per_gib", "broker CPU per GiB (in + out)", "s", false))),
            new Step(
                    "h",
                    "idle partitions: CPU at rest, controller failover",
                    List.of(
                            new Metric("idle_cpu_pct_per_broker", "CPU at rest per broker", "% of a core", false),
                            new Metric("failover_ms", "controller failover (kill -9 to all led)", "s", false, 1e-3),
                            new Metric("settle_ms", "restarted broker back in every ISR", "s", false, 1e-3),
                            new Metric("create_ms", "creating the partitions", "s", false, 1e-3),
                            GC_N,
                            GC_MAX),
                    List.of(
                            new Metric("failover_ms", "controller failover", "s", false, 1e-3),
                            new Metric("idle_cpu_pct_per_broker", "CPU at rest per broker", "% of a core", false))));

    /** Summary of one metric of one system in one step. */
    record Figures(Double cold, double[] warm, boolean[] busy) {
        OptionalDouble median() {
            if (warm.length == 0) {
                return OptionalDouble.empty();
            }
            double[] s = warm.clone();
            Arrays.sort(s);
            return OptionalDouble.of(s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2);
        }

        OptionalDouble min() {
            return Arrays.stream(warm).min();
        }

        OptionalDouble max() {
            return Arrays.stream(warm).max();
        }
    }

    /** Columns every row is read with; absent ones count as empty. */
    private static final List<String> REQUIRED = List.of(
            "system", "step", "pass", "kind", "flag", "idle_before", "others_share", "records_per_s", "mb_per_s",
            "lat_p99_ms", "cpu_s_total", "cpu_s_per_gib", "gc_pauses", "gc_pause_ms");

    private final Path dir;
    private final List<Map<String, String>> rows = new ArrayList<>();
    private final Map<String, String> meta = new LinkedHashMap<>();

    SideBySideReport(Path dir) throws IOException {
        this.dir = dir;
        List<String> lines = Files.readAllLines(dir.resolve("passes.csv"));
        String[] header = lines.get(0).split(",", -1);
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < header.length; i++) {
                row.put(header[i], i < cells.length ? cells[i] : "");
            }
            for (String column : REQUIRED) {
                row.putIfAbsent(column, "");
            }
            rows.add(row);
        }
        Path metaFile = dir.resolve("meta.env");
        if (Files.exists(metaFile)) {
            for (String line : Files.readAllLines(metaFile)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    meta.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: SideBySideReport DIR");
            System.exit(2);
        }
        Locale.setDefault(Locale.ROOT);
        new SideBySideReport(Path.of(args[0])).write();
    }

    private Figures figures(String system, String step, Metric metric) {
        Double cold = null;
        List<Double> warm = new ArrayList<>();
        List<Boolean> busy = new ArrayList<>();
        for (Map<String, String> row : rows) {
            if (!row.get("system").equals(system) || !row.get("step").equals(step)) {
                continue;
            }
            String value = row.getOrDefault(metric.column(), "");
            if (row.get("flag").equals("failed") || value.isEmpty()) {
                continue;
            }
            double v = Double.parseDouble(value) * metric.scale();
            if (row.get("kind").equals("cold")) {
                cold = v;
            } else if (row.get("kind").equals("warm")) {
                warm.add(v);
                busy.add(row.get("flag").equals("busy"));
            }
        }
        boolean[] flags = new boolean[busy.size()];
        for (int i = 0; i < flags.length; i++) {
            flags[i] = busy.get(i);
        }
        return new Figures(cold, warm.stream().mapToDouble(Double::doubleValue).toArray(), flags);
    }

    private String title(Step step) {
        return step.id().equals("h") ? meta.getOrDefault("idle_partitions", "?") + " " + step.title() : step.title();
    }

    private List<Map<String, String>> passes(String system, String step) {
        return rows.stream()
                .filter(r -> r.get("system").equals(system) && r.get("step").equals(step))
                .collect(Collectors.toList());
    }

    private boolean ran(String step) {
        return rows.stream().anyMatch(r -> r.get("step").equals(step));
    }

    private void write() throws IOException {
        StringBuilder md = new StringBuilder();
        StringBuilder csv = new StringBuilder(
                "step,metric,unit,better,sluice_cold,sluice_warm_median,sluice_warm_min,sluice_warm_max,"
                        + "kafka_cold,kafka_warm_median,kafka_warm_min,kafka_warm_max,ratio_sluice_to_kafka\n");
        StringBuilder text = new StringBuilder();
        md.append("# Sluice beside Apache Kafka ").append(meta.getOrDefault("kafka_version", "?"))
                .append(" (ZooKeeper mode)\n\n");
        md.append(String.format(
                "%s, Sluice %s, %s, %s CPUs, %s. Brokers of both systems: `%s` (checked on each broker's command"
                        + " line) and GC logging. Clients: Kafka %s tools and clients.%n%n",
                meta.getOrDefault("date", "?"),
                meta.getOrDefault("sluice_commit", "?"),
                meta.getOrDefault("java", "?"),
                meta.getOrDefault("cpus", "?"),
                meta.getOrDefault("memory", "?"),
                meta.getOrDefault("jvm_flags", "?"),
                meta.getOrDefault("tools_version", "?")));
        md.append(String.format(
                "Sizes: %s records of 1 KiB (a, b, d, f), %s of 100 B (c), %s for latency (e), %s in step g,"
                        + " %s idle partitions (h, %s s at rest). One cold pass and %s warm passes per system;"
                        + " **warm** = median of the warm passes [min\u2013max]; **ratio** = Sluice \u00f7 Kafka of the warm"
                        + " medians (\u2191: more is better, \u2193: less is better). MB = 2^20 bytes, as the Kafka tools"
                        + " count. CPU = user + system seconds of the three broker processes (from /proc) per GiB"
                        + " of payload produced (d: consumed; g: produced + consumed).%n%n",
                meta.getOrDefault("records", "?"),
                meta.getOrDefault("small_records", "?"),
                meta.getOrDefault("latency_records", "?"),
                meta.getOrDefault("many_records", "?"),
                meta.getOrDefault("idle_partitions", "?"),
                meta.getOrDefault("idle_seconds", "?"),
                meta.getOrDefault("passes", "?")));
        md.append(busyNote()).append("\n\n![chart](chart.svg)\n\n");

        for (Step step : STEPS) {
            if (!ran(step.id())) {
                continue;
            }
            String heading = "Step " + step.id() + ": " + title(step);
            md.append("## ").append(heading).append("\n\n");
            md.append("| metric | Sluice cold | Sluice warm | Kafka cold | Kafka warm | ratio |\n");
            md.append("|---|---:|---:|---:|---:|---:|\n");
            List<String[]> table = new ArrayList<>();
            table.add(new String[] {"metric", "Sluice cold", "Sluice warm", "Kafka cold", "Kafka warm", "ratio"});
            for (Metric m : step.metrics()) {
                Figures s = figures(SLUICE, step.id(), m);
                Figures k = figures(KAFKA, step.id(), m);
                if (s.cold() == null && s.warm().length == 0 && k.cold() == null && k.warm().length == 0) {
                    continue;
                }
                String name = m.label() + (m.unit().isEmpty() ? "" : " (" + m.unit() + ")")
                        + (m.higherIsBetter() ? " \u2191" : " \u2193");
                String ratio = ratio(s, k);
                String[] cells = {name, num(s.cold()), warm(s), num(k.cold()), warm(k), ratio};
                table.add(cells);
                md.append("| ").append(String.join(" | ", cells)).append(" |\n");
                csv.append(String.join(
                                ",",
                                step.id(),
                                m.label(),
                                m.unit(),
                                m.higherIsBetter() ? "higher" : "lower",
                                plain(s.cold()),
                                plain(s.median()),
                                plain(s.min()),
                                plain(s.max()),
                                plain(k.cold()),
                                plain(k.median()),
                                plain(k.min()),
                                plain(k.max()),
                                ratio.replace("\u00d7", "")))
                        .append('\n');
            }
            String conditions = conditions(step.id());
            md.append('\n').append(conditions).append("\n\n");
            text.append('\n').append(heading).append('\n').append(align(table)).append(conditions).append('\n');
        }

        md.append("## Every pass\n\n");
        md.append("| system | step | pass | kind | flag | records/s | MB/s | p99 ms | broker CPU s | CPU s/GiB |"
                + " GC pauses (ms) | idle before | others during |\n");
        md.append("|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Map<String, String> r : rows) {
            md.append(String.format(
                    "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s (%s) | %s | %s |%n",
                    r.get("system"),
                    r.get("step"),
                    r.get("pass"),
                    r.get("kind"),
                    r.get("flag"),
                    cell(r.get("records_per_s")),
                    cell(r.get("mb_per_s")),
                    cell(r.get("lat_p99_ms")),
                    cell(r.get("cpu_s_total")),
                    cell(r.get("cpu_s_per_gib")),
                    cell(r.get("gc_pauses")),
                    cell(r.get("gc_pause_ms")),
                    share(r.get("idle_before")),
                    share(r.get("others_share"))));
        }
        md.append("\n**idle before**: the machine's idle share in the 2 s before the pass (the systems' own brokers"
                + " idle then); **others during**: the share of the machine (all cores) used during the pass by"
                + " processes other than the brokers, ZooKeeper and the benchmark's clients. A pass is flagged"
                + " `busy` when idle before < " + share(meta.getOrDefault("busy_idle_below", "0.8"))
                + " or others during > " + share(meta.getOrDefault("busy_others_above", "0.2")) + ".\n");
        appendProfiles(md);

        Files.writeString(dir.resolve("results.md"), md.toString());
        Files.writeString(dir.resolve("results.csv"), csv.toString());
        Files.writeString(dir.resolve("chart.svg"), chart());
        System.out.print(text);
    }

    private void appendProfiles(StringBuilder md) throws IOException {
        Path profiles = dir.resolve("profile");
        if (!Files.isDirectory(profiles)) {
            return;
        }
        List<Path> summaries;
        try (var files = Files.list(profiles)) {
            summaries = files.filter(p -> p.toString().endsWith(".txt")).sorted().collect(Collectors.toList());
        }
        for (Path p : summaries) {
            md.append("\n## Profile ").append(p.getFileName()).append("\n\n```\n");
            md.append(Files.readString(p)).append("```\n");
        }
    }

    private String busyNote() {
        long total = rows.stream().filter(r -> !r.get("kind").equals("profile")).count();
        long busy = rows.stream()
                .filter(r -> !r.get("kind").equals("profile") && r.get("flag").equals("busy"))
                .count();
        long failed = rows.stream().filter(r -> r.get("flag").equals("failed")).count();
        double[] idle = rows.stream()
                .map(r -> r.get("idle_before"))
                .filter(v -> !v.isEmpty())
                .mapToDouble(Double::parseDouble)
                .sorted()
                .toArray();
        String idleRange = idle.length == 0
                ? "not measured"
                : String.format(
                        "%s to %s (median %s)",
                        share(idle[0]),
                        share(idle[idle.length - 1]),
                        share(idle[idle.length / 2]));
        return String.format(
                "**Machine**: idle share before the passes %s; %d of %d passes flagged busy (something else used"
                        + " the machine)%s.",
                idleRange, busy, total, failed == 0 ? "" : "; " + failed + " failed (left out)");
    }

    private String conditions(String step) {
        StringBuilder sb = new StringBuilder();
        for (String system : List.of(SLUICE, KAFKA)) {
            List<Map<String, String>> ps = passes(system, step);
            if (ps.isEmpty()) {
                continue;
            }
            long busy = ps.stream().filter(r -> r.get("flag").equals("busy")).count();
            long failed = ps.stream().filter(r -> r.get("flag").equals("failed")).count();
            long unsettled = ps.stream().filter(r -> r.get("flag").equals("unsettled")).count();
            String idle = ps.stream().map(r -> share(r.get("idle_before"))).collect(Collectors.joining(" "));
            String others = ps.stream().map(r -> share(r.get("others_share"))).collect(Collectors.joining(" "));
            if (sb.length() > 0) {
                sb.append("; ");
            }
            sb.append(String.format(
                    "%s: idle before each pass %s, others during %s, %d busy, %d failed",
                    system.equals(SLUICE) ? "Sluice" : "Kafka", idle, others, busy, failed));
            if (unsettled > 0) {
                sb.append(String.format(
                        ", %d with the restarted broker not back in every ISR in time (later passes skipped)",
                        unsettled));
            }
        }
        return sb.append('.').toString();
    }

    private static String ratio(Figures s, Figures k) {
        if (s.median().isEmpty() || k.median().isEmpty() || k.median().getAsDouble() == 0) {
            return "\u2013";
        }
        return String.format("%.2f\u00d7", s.median().getAsDouble() / k.median().getAsDouble());
    }

    private static String warm(Figures f) {
        if (f.median().isEmpty()) {
            return "\u2013";
        }
        if (f.warm().length == 1) {
            return num(f.median().getAsDouble());
        }
        return num(f.median().getAsDouble()) + " [" + num(f.min().getAsDouble()) + "\u2013" + num(f.max().getAsDouble())
                + "]";
    }

    private static String num(Double v) {
        if (v == null) {
            return "\u2013";
        }
        double a = Math.abs(v);
        if (v == Math.rint(v) && a < 1000) {
            return String.format("%.0f", v);
        }
        if (a >= 1000) {
            return String.format("%,.0f", v);
        }
        if (a >= 100) {
            return String.format("%.0f", v);
        }
        if (a >= 10) {
            return String.format("%.1f", v);
        }
        return String.format("%.2f", v);
    }

    private static String plain(Double v) {
        return v == null ? "" : String.format("%.3f", v);
    }

    private static String plain(OptionalDouble v) {
        return v.isEmpty() ? "" : String.format("%.3f", v.getAsDouble());
    }

    private static String cell(String v) {
        return v == null || v.isEmpty() ? "\u2013" : num(Double.parseDouble(v));
    }

    private static String share(String v) {
        return v == null || v.isEmpty() ? "\u2013" : share(Double.parseDouble(v));
    }

    private static String share(double v) {
        return String.format("%.0f%%", 100 * v);
    }

    private static String align(List<String[]> table) {
        int[] width = new int[table.get(0).length];
        for (String[] row : table) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] row : table) {
            for (int i = 0; i < row.length; i++) {
                String pad = " ".repeat(width[i] - row[i].length());
                sb.append(i == 0 ? row[i] + pad : pad + row[i]).append(i == row.length - 1 ? "\n" : "   ");
            }
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ chart

    private static final int WIDTH = 1040;
    private static final int PANEL_W = 500;
    private static final int PANEL_H = 104;
    private static final int LEFT = 20;
    private static final int TOP = 96;
    private static final String SLUICE_COLOUR = "#1b7f8c";
    private static final String KAFKA_COLOUR = "#9a9a9a";

    private String chart() {
        List<Step> shown = STEPS.stream().filter(s -> ran(s.id())).collect(Collectors.toList());
        int height = TOP + shown.size() * PANEL_H + 40;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                        + " font-family=\"Helvetica, Arial, sans-serif\">%n",
                WIDTH, height, WIDTH, height));
        svg.append(String.format("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, height));
        svg.append(text(LEFT, 30, 20, "bold", "#222", "start",
                "Sluice beside Apache Kafka " + meta.getOrDefault("kafka_version", "") + " (ZooKeeper mode)"));
        svg.append(text(LEFT, 50, 12, "normal", "#555", "start",
                meta.getOrDefault("date", "") + " \u00b7 " + meta.getOrDefault("cpus", "?") + " CPUs \u00b7 3 brokers per system,"
                        + " same heap and GC flags \u00b7 bars: median of the warm passes; dots: each warm pass,"
                        + " hollow red when the machine was busy"));
        svg.append(text(LEFT, 66, 12, "normal", "#555", "start", busyNote().replace("**", "")));
        svg.append(String.format(
                "<rect x=\"%d\" y=\"74\" width=\"12\" height=\"12\" fill=\"%s\"/>%s"
                        + "<rect x=\"%d\" y=\"74\" width=\"12\" height=\"12\" fill=\"%s\"/>%s%n",
                LEFT, SLUICE_COLOUR, text(LEFT + 16, 84, 12, "normal", "#222", "start", "Sluice"),
                LEFT + 80, KAFKA_COLOUR, text(LEFT + 96, 84, 12, "normal", "#222", "start", "Apache Kafka")));
        int y = TOP;
        for (Step step : shown) {
            for (int i = 0; i < step.chart().size(); i++) {
                panel(svg, step, step.chart().get(i), LEFT + i * (PANEL_W + 20), y);
            }
            y += PANEL_H;
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private void panel(StringBuilder svg, Step step, Metric m, int x, int y) {
        Figures s = figures(SLUICE, step.id(), m);
        Figures k = figures(KAFKA, step.id(), m);
        String unit = m.unit().isEmpty() ? "" : " (" + m.unit() + ")";
        svg.append(String.format("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f7f7f7\"/>%n",
                x, y, PANEL_W, PANEL_H - 10));
        svg.append(text(x + 8, y + 17, 13, "bold", "#222", "start", step.id() + " \u00b7 " + m.label() + unit));
        svg.append(text(x + 8, y + 32, 11, "normal", "#666", "start",
                title(step) + (m.higherIsBetter() ? " \u00b7 higher is better" : " \u00b7 lower is better")));
        double max = 0;
        for (Figures f : List.of(s, k)) {
            for (double v : f.warm()) {
                max = Math.max(max, v);
            }
            if (shown(f).isPresent()) {
                max = Math.max(max, shown(f).getAsDouble());
            }
        }
        int barX = x + 60;
        int barW = PANEL_W - 150;
        String[] names = {"Sluice", "Kafka"};
        Figures[] figs = {s, k};
        String[] colours = {SLUICE_COLOUR, KAFKA_COLOUR};
        for (int i = 0; i < 2; i++) {
            int by = y + 42 + i * 22;
            svg.append(text(x + 8, by + 13, 12, "normal", "#222", "start", names[i]));
            OptionalDouble median = shown(figs[i]);
            if (median.isEmpty()) {
                svg.append(text(barX, by + 13, 12, "normal", "#999", "start", "not run"));
                continue;
            }
            double w = max == 0 ? 0 : barW * median.getAsDouble() / max;
            svg.append(String.format(
                    "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"17\" fill=\"%s\"/>%n", barX, by, w, colours[i]));
            for (int p = 0; p < figs[i].warm().length; p++) {
                double v = figs[i].warm()[p];
                svg.append(String.format(
                        figs[i].busy()[p]
                                ? "<circle cx=\"%.1f\" cy=\"%d\" r=\"3\" fill=\"none\" stroke=\"#b42318\"/>%n"
                                : "<circle cx=\"%.1f\" cy=\"%d\" r=\"2.5\" fill=\"#222\" fill-opacity=\"0.7\"/>%n",
                        barX + (max == 0 ? 0 : barW * v / max),
                        by + 8));
            }
            svg.append(text((int) (barX + w) + 6, by + 13, 12, "bold", "#222", "start",
                    num(median.getAsDouble()) + (figs[i].median().isEmpty() ? " (cold)" : "")));
        }
        if (shown(s).isPresent() && shown(k).isPresent() && shown(k).getAsDouble() != 0) {
            double r = shown(s).getAsDouble() / shown(k).getAsDouble();
            String ratio = String.format("%.2f\u00d7", r);
            boolean better = m.higherIsBetter() ? r >= 1 : r <= 1;
            String colour = Math.abs(r - 1) < 0.05 ? "#444" : better ? "#1a7f37" : "#b42318";
            svg.append(text(x + PANEL_W - 8, y + 17, 13, "bold", colour, "end",
                    "Sluice " + ratio + " Kafka"));
        }
    }

    /** What a chart bar shows: the warm median, else the cold pass. */
    private static OptionalDouble shown(Figures f) {
        if (f.median().isPresent()) {
            return f.median();
        }
        return f.cold() == null ? OptionalDouble.empty() : OptionalDouble.of(f.cold());
    }

    private static String text(int x, int y, int size, String weight, String colour, String anchor, String s) {
        return String.format(
                "<text x=\"%d\" y=\"%d\" font-size=\"%d\" font-weight=\"%s\" fill=\"%s\" text-anchor=\"%s\">%s</text>%n",
                x, y, size, weight, colour, anchor, s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"));
    }
}
