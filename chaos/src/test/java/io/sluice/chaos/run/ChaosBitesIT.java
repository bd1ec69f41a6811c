package io.sluice.chaos.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.chaos.check.Anomaly;
import io.sluice.chaos.check.CheckResult;
import io.sluice.chaos.check.Checker;
import io.sluice.chaos.cluster.Cluster;
import io.sluice.chaos.cluster.ClusterSettings;
import io.sluice.chaos.history.Event;
import io.sluice.chaos.history.HistoryReader;
import io.sluice.chaos.report.Report;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chaos suite's checker bites on real broker processes: with replication deliberately broken (the test-only
 * switches of {@code io.sluice.replication.partition.UnsafeTestSwitches}, turned on by the test launcher
 * {@code io.sluice.broker.it.UnsafeBrokerMain} that {@code bin/sluice-broker} runs when {@code SLUICE_BROKER_MAIN}
 * names it), and with a configuration that promises less ({@code unclean.leader.election.enable=true},
 * {@code min.insync.replicas=1}, {@code acks=1}), short seeded runs with the faults that expose each weakness end with
 * the checker reporting acknowledged writes lost (or records changed or read and then gone). Each case starts one
 * cluster and tries a few fixed seeds, stopping at the first whose run bites; the truncate-to-hw case, whose fault
 * ({@code kill-leader-successor}) forces the losing election order, requires every seed to bite.
 *
 * <p>Not part of the default suite: the three cases take several minutes of real-process runs on this 2-core machine,
 * so the suite would outgrow its time budget. Run it with {@code -Dsluice.chaos.bites=true} (see docs/chaos.md). The
 * simulation's {@code SimulationBitesTest} proves the same switches in the default suite.
 */
@EnabledIfSystemProperty(
        named = "sluice.chaos.bites",
        matches = "true",
        disabledReason = "about 10 minutes of real-process runs; enable with -Dsluice.chaos.bites=true")
class ChaosBitesIT {
    private static final Logger LOG = LoggerFactory.getLogger(ChaosBitesIT.class);
    private static final ClusterSettings BASE = new ClusterSettings(4_000, 4_500, "-Xms128m -Xmx384m");
    /** What the broken cases must show: records acknowledged or read that the cluster then lost or changed. */
    private static final Set<Anomaly.Kind> DATA_LOSS = EnumSet.of(
            Anomaly.Kind.LOST, Anomaly.Kind.PHANTOM, Anomaly.Kind.INCONSISTENT_OFFSET, Anomaly.Kind.WRONG_OFFSET);

    private static Path home;
    private static Path root;

    @BeforeAll
    static void checkBuild() throws IOException {
        home = Path.of("").toAbsolutePath().getParent();
        assertThat(home.resolve("bin/sluice-cluster")).isExecutable();
        assertThat(home.resolve("broker/target/lib")).isDirectory();
        assertThat(home.resolve("broker/target/test-classes/io/sluice/broker/it/UnsafeBrokerMain.class"))
                .as("the test launcher, built by the broker module's test-compile")
                .isRegularFile();
        root = Files.createTempDirectory("sluice-chaos-bites");
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (root != null) {
            try (Stream<Path> files = Files.walk(root)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Brokers of {@code base} started by the test launcher with {@code switches} on. */
    private static ClusterSettings unsafe(String switches, ClusterSettings base) {
        return base.withEnv("SLUICE_BROKER_MAIN", "io.sluice.broker.it.UnsafeBrokerMain")
                .withEnv(
                        "SLUICE_CLASSPATH",
                        home.resolve("broker/target/test-classes").toString())
                // The test classes hold a logback-test.xml; the brokers keep their own logging configuration.
                .withEnv(
                        "SLUICE_LOG_CONFIG",
                        home.resolve("broker/target/classes/logback.xml").toString())
                .withEnv("SLUICE_UNSAFE_SWITCHES", switches);
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void truncateToHighWatermarkLosesAcknowledgedWrites() throws Exception {
        // Followers truncate to their own (lagging) HW whenever a LeaderAndIsr makes them follow. kill-leader-successor
        // makes the losing election order certain: the third replica's HW is made to lag what the leader acknowledges
        // (the leader's answers to it are dropped), the leader is killed, then, half a session later, the replica the
        // controller will elect next; that election makes the third replica follow (and truncate to its HW), and the
        // next one elects it without the acknowledged records it dropped. Every seed must bite.
        bites(
                "truncate-to-hw",
                unsafe("truncate-to-hw", BASE.withQuickStart()),
                List.of("kill-leader-successor"),
                "all",
                false,
                false,
                20_000,
                1,
                2_000,
                100,
                new long[] {1, 2, 3},
                DATA_LOSS,
                true);
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void highWatermarkPastUncommittedShrinkLosesAcknowledgedWrites() throws Exception {
        // A leader cut off from its followers and ZooKeeper (split-minority) shrinks its ISR to itself after
        // replica.lag.time.max.ms and, with the broken rule, acknowledges writes before the controller agrees (its
        // AlterPartition cannot get through). Its session expires and another replica is elected; the writes it
        // acknowledged are truncated away when it rejoins. The lag time is below the producers' request timeout (5 s)
        // and the session timeout, so that the acknowledgements reach the producers.
        bites(
                "hw-past-uncommitted-shrink",
                unsafe("hw-past-uncommitted-shrink", new ClusterSettings(4_000, 2_000, BASE.heapOpts())),
                List.of("split-minority"),
                "all",
                false,
                false,
                15_000,
                1,
                1_000,
                100,
                new long[] {1, 2, 3},
                DATA_LOSS,
                false);
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void uncleanElectionWithAcksOneLosesAcknowledgedWrites() throws Exception {
        // Stock brokers, but a configuration that promises less: an acks=1 write is acknowledged by the leader alone,
        // and a leader killed before its followers fetched it (or an out-of-sync replica elected) loses it.
        ClusterSettings settings =
                BASE.withOverride("unclean.leader.election.enable", "true").withOverride("min.insync.replicas", "1");
        bites(
                "unclean-acks-1",
                settings,
                List.of("kill-leader", "kill-majority", "pause-leader"),
                "1",
                true,
                false,
                20_000,
                0,
                1_000,
                100,
                new long[] {1, 2, 3},
                EnumSet.of(Anomaly.Kind.LOST),
                false);
    }

    /**
     * Starts one cluster with {@code settings} and runs each seed in turn until the checker reports an anomaly of
     * {@code expected}; asserts that some seed did, or, with {@code everySeed}, runs every seed and asserts that each
     * did.
     */
    private static void bites(
            String name,
            ClusterSettings settings,
            List<String> faults,
            String acks,
            boolean unclean,
            boolean overlap,
            long durationMs,
            int maxFaults,
            long gapMs,
            int rate,
            long[] seeds,
            Set<Anomaly.Kind> expected,
            boolean everySeed)
            throws Exception {
        Path dir = root.resolve(name);
        long found = -1;
        List<Long> bitten = new ArrayList<>();
        try (Cluster cluster = Cluster.start(home, dir.resolve("cluster"), settings, new Random(seeds[0]))) {
            for (long seed : seeds) {
                RunOptions options = RunOptions.defaults(home, seed, durationMs, faults, dir.resolve("run-" + seed))
                        .withClusterSettings(settings)
                        .withWorkload(3, rate, 1)
                        .withGapRangeMs(gapMs, gapMs + 1_000)
                        .withAcks(acks)
                        .withOverlap(overlap)
                        .withMaxFaults(maxFaults);
                if (unclean) {
                    options = options.withTopicConfig("min.insync.replicas", "1")
                            .withTopicConfig("unclean.leader.election.enable", "true");
                }
                CheckResult result = runAndCheck(options, cluster);
                Set<Anomaly.Kind> kinds = result.anomalyCounts().keySet();
                LOG.info("{} seed {}: {} anomalies {}", name, seed, result.anomalyTotal(), result.anomalyCounts());
                if (kinds.stream().anyMatch(expected::contains)) {
                    found = seed;
                    bitten.add(seed);
                    assertThat(result.valid()).isFalse();
                    Anomaly first = result.anomalies().stream()
                            .filter(a -> expected.contains(a.kind()))
                            .findFirst()
                            .orElseThrow();
                    LOG.info("{} bites with seed {}: {}", name, seed, first);
                    if (!everySeed) {
                        break;
                    }
                }
            }
        }
        LOG.info("{}: {} of {} seeds bit ({})", name, bitten.size(), seeds.length, bitten);
        if (everySeed) {
            assertThat(bitten)
                    .as("every seed's run reports %s with %s (faults %s)", expected, name, faults)
                    .hasSize(seeds.length);
        }
        assertThat(found)
                .as("a seed whose run reports %s with %s (faults %s)", expected, name, faults)
                .isPositive();
    }

    /** Runs and checks; a run that fails to heal (broken replication may keep replicas apart) is checked as well. */
    private static CheckResult runAndCheck(RunOptions options, Cluster cluster) throws Exception {
        Path history = options.outDir().resolve(ChaosRun.HISTORY_FILE);
        try {
            history = new ChaosRun(options).run(cluster).history();
        } catch (Exception e) {
            LOG.warn("run of seed {} ended abnormally; checking what it recorded", options.seed(), e);
        }
        List<Event> events = HistoryReader.read(history);
        CheckResult result = Checker.check(events);
        Report.write(options.outDir(), events, result);
        LOG.info("seed {}:\n{}", options.seed(), Report.summary(result));
        return result;
    }
}
