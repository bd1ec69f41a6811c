package io.sluice.chaos.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.chaos.check.CheckResult;
import io.sluice.chaos.check.Counts;
import io.sluice.chaos.report.CampaignReport;
import io.sluice.chaos.report.Report;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The campaign loop with a launcher that writes what a run would: seeds, the runs file, cleanup, STOP. */
@Timeout(30)
class CampaignTest {

    @TempDir
    Path dir;

    private final List<Long> launched = new ArrayList<>();

    /** Seeds divisible by 3 give an invalid run, 5 a run that leaves no result; the rest are valid. */
    private final Campaign.Launcher fake = (seed, runDir, logFile, timeout) -> {
        launched.add(seed);
        Files.writeString(logFile, "run " + seed + "\n");
        Path cluster = Files.createDirectories(runDir.resolve("cluster"));
        Files.createDirectories(cluster.resolve("broker-1").resolve("data").resolve("t-0"));
        Files.writeString(
                cluster.resolve("broker-1").resolve("data").resolve("t-0").resolve("0.log"), "x");
        Files.writeString(cluster.resolve("broker-1").resolve("server.properties"), "broker.id=1\n");
        Files.writeString(cluster.resolve("broker-1.log"), "log\n");
        Files.createDirectories(cluster.resolve("zookeeper").resolve("version-2"));
        if (seed == 5) {
            return -1;
        }
        boolean valid = seed % 3 != 0;
        CheckResult result = new CheckResult(
                valid,
                new CheckResult.RunInfo(seed, 1_000, List.of(), List.of(1), List.of("t-0"), Map.of(), 2_000),
                new Counts(1, 1, 1, 0, 0, 1, 1, 0, 0),
                Map.of(),
                List.of(),
                List.of(),
                2_000);
        Report.mapper().writeValue(runDir.resolve(Report.RESULT).toFile(), result);
        Files.writeString(runDir.resolve(Report.SUMMARY), valid ? "VALID\n" : "INVALID: 1 anomaly\n");
        return valid ? 0 : 1;
    };

    @Test
    void runsTheGivenSeedsThenRandomOnesAndKeepsOnlyWhatAFailedRunNeeds() throws Exception {
        AtomicLong random = new AtomicLong(98);
        Campaign campaign = new Campaign(
                new Campaign.Settings(dir, 4, List.of(3L, 5L), Duration.ofMinutes(1)), fake, () -> random.addAndGet(3));
        List<CampaignReport.RunEntry> runs = campaign.run();

        assertThat(launched).containsExactly(3L, 5L, 101L, 104L);
        assertThat(runs).extracting(CampaignReport.RunEntry::valid).containsExactly(true, true, false, false);
        assertThat(runs)
                .extracting(CampaignReport.RunEntry::name)
                .containsExactly("run-101", "run-104", "run-3", "run-5");

        List<String> rows = Files.readAllLines(dir.resolve(Campaign.RUNS_FILE));
        assertThat(rows).hasSize(5);
        assertThat(rows.get(1)).contains("\t3\t1\t");
        assertThat(rows.get(1)).contains("INVALID: 1 anomaly");
        assertThat(rows.get(2)).contains("\t5\t-1\t").contains("no summary");
        assertThat(rows.get(3)).contains("\t101\t0\t").contains("VALID");

        // a valid run loses its data, keeps its logs and configs; failed runs keep everything
        Path valid = dir.resolve("run-101").resolve("cluster");
        assertThat(valid.resolve("broker-1").resolve("data")).doesNotExist();
        assertThat(valid.resolve("zookeeper")).doesNotExist();
        assertThat(valid.resolve("broker-1.log")).exists();
        assertThat(valid.resolve("broker-1").resolve("server.properties")).exists();
        assertThat(dir.resolve("run-3").resolve("cluster").resolve("broker-1").resolve("data"))
                .exists();
        assertThat(dir.resolve("run-5").resolve("cluster").resolve("zookeeper")).exists();
        assertThat(dir.resolve("run-5.log")).hasContent("run 5");

        assertThat(Files.readString(dir.resolve(CampaignReport.FILE)))
                .startsWith("# Chaos campaign: 4 runs, 2 valid, 2 not");
    }

    @Test
    void aStopFileEndsTheCampaignAfterTheCurrentRun() throws Exception {
        Campaign.Launcher stopping = (seed, runDir, logFile, timeout) -> {
            int rc = fake.run(seed, runDir, logFile, timeout);
            Files.writeString(dir.resolve(Campaign.STOP_FILE), "");
            return rc;
        };
        new Campaign(new Campaign.Settings(dir, 30, List.of(1L), Duration.ofMinutes(1)), stopping, () -> 7L).run();
        assertThat(launched).containsExactly(1L);
    }

    @Test
    void aCampaignNeedsAtLeastOneRun() {
        assertThatThrownBy(() -> new Campaign.Settings(dir, 0, List.of(), Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("runs must be at least 1");
    }

    @Test
    void theChildRunsTheSameJavaAndClassPathWithTheRunArguments() {
        ChildRunLauncher launcher = new ChildRunLauncher(List.of("--duration", "300000ms", "--quick-start"));
        List<String> command = launcher.command(42, dir.resolve("run-42"));
        assertThat(command.get(0)).endsWith("java");
        assertThat(command).containsSubsequence("-cp", System.getProperty("java.class.path"));
        assertThat(command)
                .containsSubsequence(
                        "io.sluice.chaos.ChaosMain",
                        "run",
                        "--seed",
                        "42",
                        "--out",
                        dir.resolve("run-42").toString(),
                        "--duration",
                        "300000ms",
                        "--quick-start");
    }
}
