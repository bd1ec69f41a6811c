package io.sluice.chaos.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.chaos.cluster.Cluster;
import io.sluice.chaos.cluster.ClusterSettings;
import io.sluice.chaos.fault.FaultCatalog;
import io.sluice.chaos.fault.FaultType;
import io.sluice.chaos.history.Event;
import io.sluice.chaos.history.Fault;
import io.sluice.chaos.history.HistoryReader;
import io.sluice.chaos.report.Report;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The suite's short run: ZooKeeper and three broker processes built in broker/target, started by bin/sluice-cluster
 * behind the harness's proxies on 127.0.0.1, and two fixed seeds that together inject every fault once (one the
 * process faults, one the network faults). Each run must heal to full ISRs, read everything back, and its history must
 * hold every acknowledged write; the report is written for each.
 */
class ChaosShortRunIT {
    /**
     * Shorter timeouts than a long run, and JVMs that start fast (restarts dominate the run), so that every fault fits
     * in a few minutes.
     */
    private static final ClusterSettings SETTINGS =
            new ClusterSettings(4_000, 4_500, "-Xms128m -Xmx384m").withQuickStart();

    private static final Logger LOG = LoggerFactory.getLogger(ChaosShortRunIT.class);

    private static Path home;
    private static Path root;
    private static Cluster cluster;
    private static final AtomicInteger started = new AtomicInteger();
    private static final AtomicInteger passed = new AtomicInteger();

    @BeforeAll
    static void startCluster() throws IOException {
        home = Path.of("").toAbsolutePath().getParent();
        assertThat(home.resolve("bin/sluice-cluster")).isExecutable();
        assertThat(home.resolve("broker/target/lib")).isDirectory();
        // Under target/, so that a failed run's histories, reports and logs can be kept there.
        Path target = Files.createDirectories(Path.of("target").toAbsolutePath());
        root = Files.createTempDirectory(target, "chaos-short-run-");
        cluster = Cluster.start(home, root.resolve("cluster"), SETTINGS, new Random(1));
    }

    /** Stops the cluster; deletes everything if every run passed, else only the brokers' and ZooKeeper's data. */
    @AfterAll
    static void stopCluster() throws IOException {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            if (root != null) {
                boolean keep = passed.get() < started.get();
                if (keep) {
                    LOG.warn("a run failed: its history, report and the cluster's logs are kept in {}", root);
                }
                try (Stream<Path> files = Files.walk(root)) {
                    files.sorted(Comparator.reverseOrder())
                            .filter(p -> !keep || isData(p))
                            .forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    /** A file of a broker's log directory or of ZooKeeper's data. */
    private static boolean isData(Path p) {
        Path relative = root.relativize(p);
        return relative.getNameCount() >= 3
                && relative.getName(0).toString().equals("cluster")
                && (relative.getName(2).toString().equals("data")
                        || relative.getName(1).toString().equals("zookeeper"));
    }

    private static List<String> names(boolean network) {
        return FaultCatalog.ALL.stream()
                .filter(f -> f.needsNetwork() == network)
                .map(FaultType::name)
                .toList();
    }

    @Test
    @Timeout(value = 8, unit = java.util.concurrent.TimeUnit.MINUTES)
    void processFaults() throws Exception {
        runAndVerify(1001, names(false));
    }

    @Test
    @Timeout(value = 8, unit = java.util.concurrent.TimeUnit.MINUTES)
    void networkFaults() throws Exception {
        runAndVerify(2002, names(true));
    }

    private static void runAndVerify(long seed, List<String> faults) throws Exception {
        started.incrementAndGet();
        RunOptions options = RunOptions.defaults(home, seed, 15 * 60_000, faults, root.resolve("run-" + seed))
                .withClusterSettings(SETTINGS)
                .withWorkload(3, 50, 2)
                // Quiet gaps just above the 2 s liveness limit, holds from the lower quarter of each fault's range
                // (a hold beyond the session stays beyond it), and 3 s of writes after the final healing.
                .withGapRangeMs(2_000, 2_500)
                .withHoldFraction(0.25)
                .withAfterHealedMs(3_000)
                .withMaxFaults(faults.size());
        ChaosRun.Outcome outcome = new ChaosRun(options).run(cluster);
        // The report (and, when invalid, the brokers' logs) first: kept under target/ if anything below fails.
        RunVerdict verdict = RunVerdict.check(outcome.history(), cluster.dir(), options.outDir());

        assertThat(outcome.healed()).as("every ISR full again after healing").isTrue();
        assertThat(outcome.finalReadComplete()).as("final read complete").isTrue();
        List<Event> history = HistoryReader.read(outcome.history());
        Set<String> injected = new HashSet<>();
        Set<String> healed = new HashSet<>();
        for (Event e : history) {
            if (e instanceof Fault f && f.op() == Fault.Op.START) {
                injected.add(f.name());
            }
            if (e instanceof Fault f && f.op() == Fault.Op.HEALED) {
                healed.add(f.id());
            }
        }
        assertThat(injected).as("every fault injected").containsExactlyInAnyOrderElementsOf(faults);
        assertThat(healed).as("every fault healed").hasSize(faults.size());
        assertThat(options.outDir().resolve(Report.SUMMARY)).isRegularFile();
        assertThat(options.outDir().resolve(Report.RESULT)).isRegularFile();
        assertThat(options.outDir().resolve(Report.TIMELINE)).isRegularFile();
        assertThat(verdict.result().valid())
                .as(
                        "%s%s",
                        Report.summary(verdict.result()),
                        verdict.brokerLogs() == null ? "" : RunVerdict.logsLine(verdict.brokerLogs()))
                .isTrue();
        passed.incrementAndGet();
    }
}
