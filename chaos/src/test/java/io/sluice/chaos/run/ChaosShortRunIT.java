package io.sluice.chaos.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.chaos.check.CheckResult;
import io.sluice.chaos.check.Checker;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The suite's short run: ZooKeeper and three broker processes built in broker/target, started by bin/sluice-cluster
 * behind the harness's proxies on 127.0.0.1, and two fixed seeds that together inject every fault once (process faults,
 * then network faults). Each run must heal to full ISRs, read everything back, and its history must hold every
 * acknowledged write.
 */
class ChaosShortRunIT {
    /**
     * Shorter timeouts than a long run, and JVMs that start fast (restarts dominate the run), so that every fault fits
     * in a few minutes.
     */
    private static final ClusterSettings SETTINGS =
            new ClusterSettings(4_000, 4_500, "-Xms128m -Xmx384m").withQuickStart();

    private static Path home;
    private static Path root;
    private static Cluster cluster;

    @BeforeAll
    static void startCluster() throws IOException {
        home = Path.of("").toAbsolutePath().getParent();
        assertThat(home.resolve("bin/sluice-cluster")).isExecutable();
        assertThat(home.resolve("broker/target/lib")).isDirectory();
        root = Files.createTempDirectory("sluice-chaos-it");
        cluster = Cluster.start(home, root.resolve("cluster"), SETTINGS, new Random(1));
    }

    @AfterAll
    static void stopCluster() throws IOException {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            if (root != null) {
                try (Stream<Path> files = Files.walk(root)) {
                    files.sorted(Comparator.reverseOrder())
                            .forEach(p -> p.toFile().delete());
                }
            }
        }
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
        RunOptions options = RunOptions.defaults(home, seed, 15 * 60_000, faults, root.resolve("run-" + seed))
                .withClusterSettings(SETTINGS)
                .withWorkload(3, 100, 2)
                // Quiet gaps just above the 2 s liveness limit, holds from the lower quarter of each fault's range
                // (a hold beyond the session stays beyond it), and 3 s of writes after the final healing.
                .withGapRangeMs(2_000, 2_500)
                .withHoldFraction(0.25)
                .withAfterHealedMs(3_000)
                .withMaxFaults(faults.size());
        ChaosRun.Outcome outcome = new ChaosRun(options).run(cluster);

        assertThat(outcome.healed()).as("every ISR full again after healing").isTrue();
        assertThat(outcome.finalReadComplete()).as("final read complete").isTrue();
        List<Event> history = HistoryReader.read(outcome.history());
        Set<String> started = new HashSet<>();
        Set<String> healed = new HashSet<>();
        for (Event e : history) {
            if (e instanceof Fault f && f.op() == Fault.Op.START) {
                started.add(f.name());
            }
            if (e instanceof Fault f && f.op() == Fault.Op.HEALED) {
                healed.add(f.id());
            }
        }
        assertThat(started).as("every fault injected").containsExactlyInAnyOrderElementsOf(faults);
        assertThat(healed).as("every fault healed").hasSize(faults.size());
        CheckResult result = Checker.check(history);
        Report.write(options.outDir(), history, result);
        assertThat(result.valid()).as(Report.summary(result)).isTrue();
    }
}
