package io.sluice.chaos.report;

import io.sluice.chaos.check.Anomaly;
import io.sluice.chaos.check.CheckResult;
import io.sluice.chaos.check.FaultAvailability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The report of a campaign (many runs, one directory each): one row per run (seed, verdict, writes, anomalies) and,
 * per fault kind over every run, how long producers waited before a write was acknowledged again and the longest
 * post-heal gap against the liveness limit. Reads each run's {@value Report#RESULT}; a run without one (crashed or
 * timed out) is a failed row. Stateless.
 */
public final class CampaignReport {
    /** The file the campaign writes beside its runs. */
    public static final String FILE = "campaign.md";

    /** The prefix of a run's directory inside a campaign directory. */
    public static final String RUN_PREFIX = "run-";

    private CampaignReport() {}

    /**
     * One run of the campaign.
     *
     * @param name the run's directory name
     * @param result its checked result, empty when the run left none
     */
    public record RunEntry(String name, Optional<CheckResult> result) {
        /** Whether the run finished and its history is valid. */
        public boolean valid() {
            return result.map(CheckResult::valid).orElse(false);
        }
    }

    /**
     * Per fault kind, over every instance in every run.
     *
     * @param kind the fault kind
     * @param instances how many times it was injected
     * @param msToAck per instance, the longest time an affected partition waited for an ack (ms from the fault's
     *     start); -1 for an instance after which some partition never got one
     * @param gapAfterHeal per instance with a liveness window, the longest gap without an ack after the heal
     */
    public record FaultStats(String kind, int instances, List<Long> msToAck, List<Long> gapAfterHeal) {
        /** The instances after which some affected partition never acknowledged a write again. */
        public long neverRecovered() {
            return msToAck.stream().filter(v -> v < 0).count();
        }
    }

    /** The runs of a campaign directory ({@value #RUN_PREFIX}* subdirectories), by name. */
    public static List<RunEntry> load(Path campaignDir) throws IOException {
        List<RunEntry> runs = new ArrayList<>();
        if (!Files.isDirectory(campaignDir)) {
            return runs;
        }
        List<Path> dirs;
        try (Stream<Path> children = Files.list(campaignDir)) {
            dirs = children.filter(Files::isDirectory)
                    .filter(p -> p.getFileName().toString().startsWith(RUN_PREFIX))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .toList();
        }
        for (Path dir : dirs) {
            Path result = dir.resolve(Report.RESULT);
            Optional<CheckResult> parsed = Optional.empty();
            if (Files.isRegularFile(result)) {
                parsed = Optional.of(Report.mapper().readValue(result.toFile(), CheckResult.class));
            }
            runs.add(new RunEntry(dir.getFileName().toString(), parsed));
        }
        return runs;
    }

    /** Per fault kind, sorted by kind. */
    public static List<FaultStats> faultStats(List<RunEntry> runs) {
        Map<String, List<FaultAvailability>> byKind = new TreeMap<>();
        for (RunEntry run : runs) {
            run.result()
                    .ifPresent(r -> r.availability()
                            .forEach(f -> byKind.computeIfAbsent(f.name(), k -> new ArrayList<>())
                                    .add(f)));
        }
        List<FaultStats> out = new ArrayList<>();
        byKind.forEach((kind, faults) -> out.add(new FaultStats(
                kind,
                faults.size(),
                faults.stream().map(FaultAvailability::maxMsToAck).toList(),
                faults.stream()
                        .filter(f -> f.livenessWindowEnd() >= 0)
                        .map(FaultAvailability::longestGapAfterHealMs)
                        .toList())));
        return out;
    }

    /**
     * The nearest-rank median (the lower middle value of an even count) of the non-negative values; -1 when there are
     * none.
     */
    public static long median(List<Long> values) {
        List<Long> sorted = values.stream().filter(v -> v >= 0).sorted().toList();
        return sorted.isEmpty() ? -1 : sorted.get((sorted.size() - 1) / 2);
    }

    /** The largest non-negative value; -1 when there is none. */
    public static long max(List<Long> values) {
        return values.stream().filter(v -> v >= 0).max(Long::compare).orElse(-1L);
    }

    /** The campaign report as Markdown. */
    public static String render(List<RunEntry> runs) {
        StringBuilder out = new StringBuilder();
        long valid = runs.stream().filter(RunEntry::valid).count();
        long limit = runs.stream()
                .flatMap(r -> r.result().stream())
                .mapToLong(CheckResult::livenessLimitMs)
                .max()
                .orElse(-1);
        out.append(String.format(
                Locale.ROOT,
                "# Chaos campaign: %d runs, %d valid, %d not%n%n",
                runs.size(),
                valid,
                runs.size() - valid));
        out.append("| run | seed | verdict | faults | sent | acknowledged | failed | indeterminate | anomalies |\n");
        out.append("|---|---|---|---|---|---|---|---|---|\n");
        for (RunEntry run : runs) {
            if (run.result().isEmpty()) {
                out.append("| ")
                        .append(run.name())
                        .append(" | ? | NO RESULT (crashed or timed out; see its log) | | | | | | |\n");
                continue;
            }
            CheckResult r = run.result().get();
            out.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %s | %d | %d | %d | %d | %d | %s |%n",
                    run.name(),
                    r.run().seed(),
                    r.valid() ? "VALID" : "INVALID",
                    r.counts().faults(),
                    r.counts().writesInvoked(),
                    r.counts().writesAcknowledged(),
                    r.counts().writesFailed(),
                    r.counts().writesIndeterminate(),
                    anomalies(r.anomalyCounts())));
        }
        out.append(String.format(
                Locale.ROOT,
                "%n## Availability per fault kind%n%n"
                        + "Time to ack: per fault instance, the longest an affected partition waited from the fault's"
                        + " start for a write sent after it to be acknowledged. Gap after heal: the longest a partition"
                        + " went without an ack once the fault was undone and every ISR was full (limit %d ms).%n%n",
                limit));
        out.append("| fault | instances | time to ack median (ms) | max (ms) | never recovered |"
                + " gap after heal median (ms) | max (ms) | over the limit |\n");
        out.append("|---|---|---|---|---|---|---|---|\n");
        for (FaultStats s : faultStats(runs)) {
            long over = limit < 0
                    ? 0
                    : s.gapAfterHeal().stream().filter(g -> g > limit).count();
            out.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %s | %s | %d | %s | %s | %d |%n",
                    s.kind(),
                    s.instances(),
                    ms(median(s.msToAck())),
                    ms(max(s.msToAck())),
                    s.neverRecovered(),
                    ms(median(s.gapAfterHeal())),
                    ms(max(s.gapAfterHeal())),
                    over));
        }
        return out.toString();
    }

    /** Loads the campaign directory's runs and writes {@value #FILE} into it; returns the runs. */
    public static List<RunEntry> write(Path campaignDir) throws IOException {
        List<RunEntry> runs = load(campaignDir);
        Files.writeString(campaignDir.resolve(FILE), render(runs));
        return runs;
    }

    private static String anomalies(Map<Anomaly.Kind, Long> counts) {
        if (counts.isEmpty()) {
            return "none";
        }
        return counts.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    private static String ms(long value) {
        return value < 0 ? "-" : Long.toString(value);
    }
}
