package io.sluice.chaos.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.chaos.check.Anomaly;
import io.sluice.chaos.check.CheckResult;
import io.sluice.chaos.check.Counts;
import io.sluice.chaos.check.FaultAvailability;
import io.sluice.chaos.check.FaultAvailability.PartitionAvailability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Runs' result files in, one table of verdicts and one of availability per fault kind out. */
@Timeout(30)
class CampaignReportTest {

    @TempDir
    Path dir;

    @Test
    void aggregatesEveryRunAndEveryFaultInstanceByKind() throws Exception {
        write(
                "run-11",
                result(
                        11,
                        true,
                        Map.of(),
                        List.of(
                                fault("f1", "kill-leader", 4_000, 120, 5_000, 9_000),
                                fault("f2", "kill-majority", 30_000, 300, 40_000))));
        write(
                "run-22",
                result(
                        22,
                        false,
                        Map.of(Anomaly.Kind.LOST, 3L),
                        List.of(
                                fault("f1", "kill-leader", 8_000, 2_500, 6_000),
                                fault("f2", "kill-leader", 2_000, -1, 1_000))));
        Files.createDirectories(dir.resolve("run-33")); // crashed: no result.json
        Files.createDirectories(dir.resolve("other")); // not a run

        List<CampaignReport.RunEntry> runs = CampaignReport.write(dir);
        assertThat(runs).extracting(CampaignReport.RunEntry::name).containsExactly("run-11", "run-22", "run-33");
        assertThat(runs).extracting(CampaignReport.RunEntry::valid).containsExactly(true, false, false);

        List<CampaignReport.FaultStats> stats = CampaignReport.faultStats(runs);
        assertThat(stats).extracting(CampaignReport.FaultStats::kind).containsExactly("kill-leader", "kill-majority");
        CampaignReport.FaultStats leader = stats.get(0);
        assertThat(leader.instances()).isEqualTo(3);
        // per instance, the slowest affected partition counts
        assertThat(leader.msToAck()).containsExactly(9_000L, 6_000L, 1_000L);
        // the instance without a liveness window does not count for the gap
        assertThat(leader.gapAfterHeal()).containsExactly(120L, 2_500L);

        String md = Files.readString(dir.resolve(CampaignReport.FILE));
        assertThat(md).startsWith("# Chaos campaign: 3 runs, 1 valid, 2 not");
        assertThat(md).contains("| run-22 | 22 | INVALID |").contains("LOST 3");
        assertThat(md).contains("| run-33 | ? | NO RESULT");
        // kill-leader: time to ack median 6000 of {1000, 6000, 9000}, max 9000; gap median 120 of {120, 2500}, max
        // 2500, one instance over the 2000 ms limit
        assertThat(md).contains("| kill-leader | 3 | 6000 | 9000 | 0 | 120 | 2500 | 1 |");
        assertThat(md).contains("| kill-majority | 1 | 40000 | 40000 | 0 | 300 | 300 | 0 |");
    }

    @Test
    void anInstanceAfterWhichAPartitionNeverRecoveredIsCountedNotAveraged() throws Exception {
        write("run-1", result(1, false, Map.of(), List.of(fault("f1", "pause-leader", 4_000, 100, 3_000, -1))));
        List<CampaignReport.FaultStats> stats = CampaignReport.faultStats(CampaignReport.load(dir));
        assertThat(stats.get(0).neverRecovered()).isEqualTo(1);
        assertThat(CampaignReport.render(CampaignReport.load(dir))).contains("| pause-leader | 1 | - | - | 1 |");
    }

    @Test
    void medianIsTheNearestRankAndIgnoresMissingValues() {
        assertThat(CampaignReport.median(List.of())).isEqualTo(-1);
        assertThat(CampaignReport.median(List.of(-1L))).isEqualTo(-1);
        assertThat(CampaignReport.median(List.of(5L, 1L, 3L))).isEqualTo(3);
        assertThat(CampaignReport.median(List.of(4L, 1L, 3L, 2L))).isEqualTo(2);
        assertThat(CampaignReport.max(List.of(-1L, 7L, 2L))).isEqualTo(7);
    }

    private void write(String run, CheckResult result) throws Exception {
        Path runDir = Files.createDirectories(dir.resolve(run));
        Report.mapper().writeValue(runDir.resolve(Report.RESULT).toFile(), result);
    }

    private static CheckResult result(
            long seed, boolean valid, Map<Anomaly.Kind, Long> anomalies, List<FaultAvailability> faults) {
        return new CheckResult(
                valid,
                new CheckResult.RunInfo(
                        seed, 300_000, List.of("kill-leader"), List.of(1, 2, 3), List.of("t-0"), Map.of(), 330_000),
                new Counts(1_000, 500, 480, 0, 20, 900, 480, faults.size(), 30),
                anomalies,
                List.of(),
                faults,
                2_000);
    }

    /** A fault with a liveness window when {@code gap >= 0}, affecting one partition per time to ack given. */
    private static FaultAvailability fault(String id, String name, long start, long gap, long... msToAck) {
        List<PartitionAvailability> partitions = new java.util.ArrayList<>();
        for (int i = 0; i < msToAck.length; i++) {
            partitions.add(new PartitionAvailability("t-" + i, msToAck[i], msToAck[i]));
        }
        return new FaultAvailability(
                id,
                name,
                List.of(1),
                start,
                start + 5_000,
                start + 8_000,
                false,
                partitions,
                gap >= 0 ? start + 20_000 : -1,
                gap,
                gap >= 0 ? "t-0" : null,
                gap >= 0 ? start + 9_000 : -1);
    }
}
