package io.sluice.chaos.run;

import io.sluice.chaos.report.CampaignReport;
import io.sluice.chaos.report.Report;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A campaign: chaos runs one after another, each with its own seed in {@code OUT/run-<seed>} and its output in {@code
 * OUT/run-<seed>.log}, a line per run in {@value #RUNS_FILE}, and {@value CampaignReport#FILE} rewritten after every
 * run. A file named {@value #STOP_FILE} in the output directory ends the campaign after the current run. A valid run's
 * broker and ZooKeeper data directories are deleted (its history, report and logs are kept); an invalid run keeps
 * everything. Not thread-safe: one campaign, one thread.
 */
public final class Campaign {
    public static final String RUNS_FILE = "runs.tsv";
    public static final String STOP_FILE = "STOP";

    private static final Logger log = LoggerFactory.getLogger(Campaign.class);

    /** Runs one chaos run to completion; answers its exit code (-1 when it had to be stopped at the timeout). */
    @FunctionalInterface
    public interface Launcher {
        int run(long seed, Path runDir, Path logFile, Duration timeout) throws IOException, InterruptedException;
    }

    /**
     * What a campaign does.
     *
     * @param out the campaign directory
     * @param runs how many runs at most
     * @param seeds seeds to use first, in order (then random ones)
     * @param runTimeout how long one run may take before it is stopped
     */
    public record Settings(Path out, int runs, List<Long> seeds, Duration runTimeout) {
        public Settings {
            if (runs < 1) {
                throw new IllegalArgumentException("runs must be at least 1, got " + runs);
            }
            seeds = List.copyOf(seeds);
        }
    }

    private final Settings settings;
    private final Launcher launcher;
    private final LongSupplier randomSeed;

    public Campaign(Settings settings, Launcher launcher) {
        this(settings, launcher, () -> new SecureRandom().nextLong() & Long.MAX_VALUE);
    }

    Campaign(Settings settings, Launcher launcher, LongSupplier randomSeed) {
        this.settings = settings;
        this.launcher = launcher;
        this.randomSeed = randomSeed;
    }

    /** Runs the campaign; answers the runs found in the directory at the end (earlier campaigns' runs included). */
    public List<CampaignReport.RunEntry> run() throws IOException, InterruptedException {
        Path out = settings.out();
        Files.createDirectories(out);
        for (int i = 0; i < settings.runs(); i++) {
            if (Files.exists(out.resolve(STOP_FILE))) {
                log.info("Campaign {}: {} found, stopping after {} runs", out, STOP_FILE, i);
                break;
            }
            long seed = i < settings.seeds().size() ? settings.seeds().get(i) : randomSeed.getAsLong();
            Path runDir = out.resolve(CampaignReport.RUN_PREFIX + seed);
            Path logFile = out.resolve(CampaignReport.RUN_PREFIX + seed + ".log");
            log.info("Campaign {}: run {} of {}, seed {}", out, i + 1, settings.runs(), seed);
            Instant start = Instant.now();
            int rc = launcher.run(seed, runDir, logFile, settings.runTimeout());
            long seconds = Duration.between(start, Instant.now()).toSeconds();
            String verdict = firstLine(runDir.resolve(Report.SUMMARY));
            appendRow(out, seed, rc, seconds, verdict);
            if (rc == 0 && verdict.equals("VALID")) {
                deleteData(runDir.resolve("cluster"));
            }
            CampaignReport.write(out);
        }
        return CampaignReport.write(out);
    }

    private static void appendRow(Path out, long seed, int rc, long seconds, String verdict) throws IOException {
        String load = "?";
        Path loadavg = Path.of("/proc/loadavg");
        if (Files.isReadable(loadavg)) {
            String[] parts = Files.readString(loadavg).trim().split("\\s+");
            load = String.join(" ", List.of(parts).subList(0, Math.min(3, parts.length)));
        }
        Path file = out.resolve(RUNS_FILE);
        if (!Files.exists(file)) {
            Files.writeString(file, "finished\tseed\texit\tseconds\tverdict\tload\n");
        }
        Files.writeString(
                file,
                String.format(Locale.ROOT, "%s\t%d\t%d\t%d\t%s\t%s%n", Instant.now(), seed, rc, seconds, verdict, load),
                StandardOpenOption.APPEND);
    }

    private static String firstLine(Path summary) throws IOException {
        if (!Files.isRegularFile(summary)) {
            return "no summary";
        }
        try (Stream<String> lines = Files.lines(summary)) {
            return lines.findFirst().orElse("empty summary");
        }
    }

    /**
     * Deletes the data under a started cluster's directory ({@code broker-N/data} and {@code zookeeper}); keeps the
     * logs ({@code broker-N.log}, {@code zookeeper.log}) and configs.
     */
    static void deleteData(Path clusterDir) throws IOException {
        if (!Files.isDirectory(clusterDir)) {
            return;
        }
        List<Path> data = new ArrayList<>();
        try (Stream<Path> children = Files.list(clusterDir)) {
            children.filter(Files::isDirectory).forEach(child -> {
                String name = child.getFileName().toString();
                if (name.equals("zookeeper")) {
                    data.add(child);
                } else if (name.startsWith("broker-") && Files.isDirectory(child.resolve("data"))) {
                    data.add(child.resolve("data"));
                }
            });
        }
        for (Path dir : data) {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.delete(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot delete " + p, e);
                    }
                });
            }
        }
    }
}
