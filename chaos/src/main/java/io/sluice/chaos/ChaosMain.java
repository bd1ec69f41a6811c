package io.sluice.chaos;

import io.sluice.chaos.check.CheckMain;
import io.sluice.chaos.check.CheckResult;
import io.sluice.chaos.cluster.ClusterSettings;
import io.sluice.chaos.fault.FaultCatalog;
import io.sluice.chaos.fault.FaultType;
import io.sluice.chaos.report.CampaignReport;
import io.sluice.chaos.report.Report;
import io.sluice.chaos.run.Campaign;
import io.sluice.chaos.run.ChaosRun;
import io.sluice.chaos.run.ChildRunLauncher;
import io.sluice.chaos.run.RunOptions;
import io.sluice.chaos.run.RunVerdict;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/sluice-chaos}: {@code run} a seeded chaos run, {@code check} a recorded history, list the {@code faults}.
 * Exit codes: 0 valid / success, 1 anomalies found or the run failed, 2 usage error.
 */
@Command(
        name = "sluice-chaos",
        mixinStandardHelpOptions = true,
        description = "Seeded faults on a Sluice cluster, a checked workload, a report.",
        subcommands = {ChaosMain.Run.class, ChaosMain.CampaignCommand.class, CheckMain.class, ChaosMain.Faults.class})
public final class ChaosMain implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ChaosMain()).execute(args));
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 2;
    }

    /** Parses {@code 300}, {@code 300s}, {@code 5m}, {@code 1500ms} into milliseconds. */
    static long parseDuration(String text) {
        String s = text.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            if (s.endsWith("ms")) {
                return Long.parseLong(s.substring(0, s.length() - 2));
            }
            if (s.endsWith("s")) {
                return Long.parseLong(s.substring(0, s.length() - 1)) * 1_000;
            }
            if (s.endsWith("m")) {
                return Long.parseLong(s.substring(0, s.length() - 1)) * 60_000;
            }
            if (s.endsWith("h")) {
                return Long.parseLong(s.substring(0, s.length() - 1)) * 3_600_000;
            }
            return Long.parseLong(s) * 1_000;
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("not a duration: '" + text + "' (e.g. 300, 300s, 5m)");
        }
    }

    static Path home() {
        String env = System.getenv("SLUICE_HOME");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath();
        }
        return Path.of(System.getProperty("sluice.home", ".")).toAbsolutePath();
    }

    /** The timeouts an attached cluster's brokers run with (its broker-1/server.properties; the last value wins). */
    static ClusterSettings attachedSettings(Path dir) throws IOException {
        Properties p = new Properties();
        Path file = dir.resolve("broker-1").resolve("server.properties");
        if (Files.isRegularFile(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                p.load(in);
            }
        }
        int session = Integer.parseInt(
                p.getProperty("zookeeper.session.timeout.ms", "18000").trim());
        long lag =
                Long.parseLong(p.getProperty("replica.lag.time.max.ms", "30000").trim());
        return new ClusterSettings(session, lag, ClusterSettings.DEFAULT.heapOpts());
    }

    @Command(name = "run", mixinStandardHelpOptions = true, description = "Run the workload under seeded faults.")
    static final class Run implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--seed", description = "Seed of the schedule and target choices (default: random).")
        Long seed;

        @Option(
                names = "--duration",
                defaultValue = "300s",
                description = "How long faults are injected (300, 300s," + " 5m; default ${DEFAULT-VALUE}).")
        String duration;

        @Option(
                names = "--faults",
                split = ",",
                description =
                        "Fault names to draw from (default: all the cluster" + " supports); see 'sluice-chaos faults'.")
        List<String> faults;

        @Option(names = "--cluster", description = "Target a running cluster of bin/sluice-cluster (its --dir).")
        Path cluster;

        @Option(
                names = "--start",
                description =
                        "Start a 3-broker cluster with proxies in OUT/cluster (default when" + " --cluster is absent).")
        boolean start;

        @Option(names = "--out", description = "Output directory (default: chaos-runs/<seed>-<time>).")
        Path out;

        @Option(names = "--overlap", description = "Let faults overlap.")
        boolean overlap;

        @Option(names = "--keep-cluster", description = "Leave a started cluster running.")
        boolean keep;

        @Option(
                names = "--hold-fraction",
                defaultValue = "1",
                description = "Draw each fault's hold from the lower part of its range: [min, min + F * (max - min)],"
                        + " 0 < F <= 1 (default ${DEFAULT-VALUE}: the whole range); a hold beyond the session stays"
                        + " beyond it.")
        double holdFraction;

        @Option(
                names = "--quick-start",
                description = "A started cluster's JVMs start fast (C1 only, serial GC) and its offsets topic has 3"
                        + " partitions: for short runs on small machines.")
        boolean quickStart;

        @Option(
                names = "--max-faults",
                defaultValue = "0",
                description = "Stop injecting after N faults (0: the" + " duration alone bounds the schedule).")
        int maxFaults;

        @Option(names = "--partitions", defaultValue = "3", description = "Partitions (one producer each).")
        int partitions;

        @Option(names = "--rate", defaultValue = "200", description = "Sends per second per producer.")
        int rate;

        @Option(names = "--group-members", defaultValue = "2", description = "Members of the consumer group.")
        int members;

        @Option(
                names = "--acks",
                defaultValue = "all",
                description = "Producers' acks: all (idempotent; the checked promise) or 1/0 (idempotence off, to"
                        + " show what weaker settings lose; default ${DEFAULT-VALUE}).")
        String acks;

        @Option(
                names = "--topic-config",
                description = "KEY=VALUE config of the workload topic, replacing the defaults min.insync.replicas=2,"
                        + " unclean.leader.election.enable=false (repeatable).")
        Map<String, String> topicConfigs;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            if (cluster != null && start) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--cluster and --start exclude each other");
            }
            if (!(holdFraction > 0 && holdFraction <= 1)) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--hold-fraction must be in (0, 1], got " + holdFraction);
            }
            long s = seed != null ? seed : new java.security.SecureRandom().nextLong();
            long durationMs = parseDuration(duration);
            Path outDir = this.out != null
                    ? this.out
                    : Path.of(
                            "chaos-runs",
                            Long.toUnsignedString(s, 36) + "-"
                                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            List<String> names = faults;
            if (names == null || names.isEmpty()) {
                names = FaultCatalog.ALL.stream()
                        .filter(f -> cluster == null || !f.needsNetwork())
                        .map(FaultType::name)
                        .toList();
            }
            names.forEach(FaultCatalog::byName);
            RunOptions options = RunOptions.defaults(home(), s, durationMs, names, outDir.toAbsolutePath())
                    .withOverlap(overlap)
                    .withKeepCluster(keep)
                    .withWorkload(partitions, rate, members)
                    .withMaxFaults(maxFaults)
                    .withAcks(acks)
                    .withHoldFraction(holdFraction);
            if (topicConfigs != null) {
                for (Map.Entry<String, String> e : topicConfigs.entrySet()) {
                    options = options.withTopicConfig(e.getKey(), e.getValue());
                }
            }
            if (quickStart) {
                options = options.withClusterSettings(options.cluster().withQuickStart());
            }
            if (cluster != null) {
                options = options.withCluster(cluster.toAbsolutePath());
                options = options.withClusterSettings(attachedSettings(cluster));
            }
            out.printf(
                    "sluice-chaos run: seed %d, duration %d ms, faults %s, output %s%n",
                    s, durationMs, names, outDir.toAbsolutePath());
            out.flush();
            ChaosRun.Outcome outcome = new ChaosRun(options).run();
            out.printf(
                    "history: %s%nfaults: %s%nacknowledged writes: %d%nhealed: %s, final read complete: %s%n",
                    outcome.history(),
                    outcome.faults(),
                    outcome.acked(),
                    outcome.healed(),
                    outcome.finalReadComplete());
            Path clusterDir = options.clusterDir() != null ? options.clusterDir() : options.startDir();
            RunVerdict verdict = RunVerdict.check(outcome.history(), clusterDir, options.outDir());
            CheckResult result = verdict.result();
            out.print(Report.summary(result));
            if (verdict.brokerLogs() != null) {
                out.println(RunVerdict.logsLine(verdict.brokerLogs()));
            }
            out.println("report: " + options.outDir().resolve(Report.TIMELINE));
            out.flush();
            return result.valid() && outcome.healed() && outcome.finalReadComplete() ? 0 : 1;
        }
    }

    @Command(
            name = "campaign",
            mixinStandardHelpOptions = true,
            description = "Chaos runs one after another with random seeds; a table of verdicts and availability per"
                    + " fault kind in OUT/" + CampaignReport.FILE + ". A file OUT/" + Campaign.STOP_FILE
                    + " ends it after the current run.")
    static final class CampaignCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--out", required = true, description = "The campaign directory (runs are added to it).")
        Path out;

        @Option(names = "--runs", defaultValue = "30", description = "How many runs (default ${DEFAULT-VALUE}).")
        int runs;

        @Option(
                names = "--duration",
                defaultValue = "5m",
                description = "Each run's fault phase (default ${DEFAULT-VALUE}).")
        String duration;

        @Option(names = "--seeds", split = ",", description = "Seeds for the first runs (then random ones).")
        List<Long> seeds;

        @Option(names = "--faults", split = ",", description = "Fault names to draw from (default: all).")
        List<String> faults;

        @Option(names = "--quick-start", description = "Started clusters' JVMs start fast (see run --quick-start).")
        boolean quickStart;

        @Option(names = "--run-timeout", description = "Stop a run that takes longer (default: its duration + 20m).")
        String runTimeout;

        @Option(names = "--report-only", description = "Only (re)write OUT/" + CampaignReport.FILE + " from its runs.")
        boolean reportOnly;

        @Override
        public Integer call() throws Exception {
            PrintWriter printer = spec.commandLine().getOut();
            if (runs < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--runs must be at least 1, got " + runs);
            }
            long durationMs = parseDuration(duration);
            if (faults != null) {
                faults.forEach(FaultCatalog::byName);
            }
            List<CampaignReport.RunEntry> result;
            if (reportOnly) {
                result = CampaignReport.write(out);
            } else {
                List<String> runArguments = new ArrayList<>(List.of("--duration", durationMs + "ms"));
                if (faults != null && !faults.isEmpty()) {
                    runArguments.add("--faults");
                    runArguments.add(String.join(",", faults));
                }
                if (quickStart) {
                    runArguments.add("--quick-start");
                }
                Duration timeout = runTimeout != null
                        ? Duration.ofMillis(parseDuration(runTimeout))
                        : Duration.ofMillis(durationMs).plusMinutes(20);
                Campaign.Settings settings =
                        new Campaign.Settings(out, runs, seeds == null ? List.of() : seeds, timeout);
                printer.printf(
                        "sluice-chaos campaign: %d runs of %d ms into %s (touch %s to stop after the current run)%n",
                        runs, durationMs, out.toAbsolutePath(), out.resolve(Campaign.STOP_FILE));
                printer.flush();
                result = new Campaign(settings, new ChildRunLauncher(runArguments)).run();
            }
            printer.print(CampaignReport.render(result));
            printer.flush();
            return result.stream().allMatch(CampaignReport.RunEntry::valid) ? 0 : 1;
        }
    }

    @Command(name = "faults", mixinStandardHelpOptions = true, description = "List the faults.")
    static final class Faults implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            for (FaultType f : FaultCatalog.ALL) {
                out.printf(
                        "%s%s%n  params:   %s%n  expected: %s%n%n",
                        f.name(),
                        f.needsNetwork() ? "  (network: needs a cluster started with --start)" : "",
                        f.params(),
                        f.expected());
            }
            out.flush();
            return 0;
        }
    }
}
