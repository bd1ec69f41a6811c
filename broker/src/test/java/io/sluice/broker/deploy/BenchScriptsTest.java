package io.sluice.broker.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.xml.sax.InputSource;

/**
 * The side-by-side benchmark against Apache Kafka (deploy/bench/side-by-side.sh): its usage errors, the report it
 * writes from the passes it recorded, and the heap its local clusters and the README agree on.
 */
@Timeout(180)
class BenchScriptsTest {
    private static final String SCRIPT = "deploy/bench/side-by-side.sh";

    @Test
    void sideBySideHelpAndUsageErrors() {
        assumeThat(RepoFiles.onPath("bash")).as("bash is needed").isPresent();
        RepoFiles.Run help = RepoFiles.run(List.of("bash", SCRIPT, "--help"), Map.of(), 30);
        assertThat(help.exitCode()).isZero();
        assertThat(help.stdout()).contains("Usage:").contains("--profile");
        List<List<String>> bad = List.of(
                List.of("--steps", "a,z"),
                List.of("--only", "both"),
                List.of("--steps", "a", "--profile", "d"),
                List.of("--passes", "many"),
                List.of("--scale", "-1"),
                List.of("--idle-partitions", "15"),
                List.of("--records"),
                List.of("--frobnicate"));
        for (List<String> args : bad) {
            List<String> command = new ArrayList<>(List.of("bash", SCRIPT));
            command.addAll(args);
            RepoFiles.Run run = RepoFiles.run(command, Map.of(), 30);
            assertThat(run.exitCode()).as("%s: %s", args, run.stderr()).isEqualTo(2);
            assertThat(run.stderr()).as("%s", args).startsWith("side-by-side: ");
        }
    }

    @Test
    void reportComparesWarmMediansAndLeavesFailedPassesOut(@TempDir Path dir) throws Exception {
        assumeThat(RepoFiles.onPath("java")).as("java is needed on the PATH").isPresent();
        List<String> columns = scriptColumns();
        List<String> lines = new ArrayList<>();
        lines.add(String.join(",", columns));
        // step a: Sluice cold 100, warm 200 220 210 (+ a failed pass of 1); Kafka cold 150, warm 300 280 290
        lines.add(row(columns, "sluice", "a", "0", "cold", "", "100", "50.0", "0.95"));
        lines.add(row(columns, "sluice", "a", "1", "warm", "", "200", "40.0", "0.90"));
        lines.add(row(columns, "sluice", "a", "2", "warm", "busy", "220", "44.0", "0.30"));
        lines.add(row(columns, "sluice", "a", "3", "warm", "", "210", "42.0", "0.91"));
        lines.add(row(columns, "sluice", "a", "4", "warm", "failed", "1", "", "0.92"));
        lines.add(row(columns, "kafka", "a", "0", "cold", "", "150", "60.0", "0.97"));
        lines.add(row(columns, "kafka", "a", "1", "warm", "", "300", "50.0", "0.96"));
        lines.add(row(columns, "kafka", "a", "2", "warm", "", "280", "52.0", "0.94"));
        lines.add(row(columns, "kafka", "a", "3", "warm", "", "290", "48.0", "0.95"));
        Files.write(dir.resolve("passes.csv"), lines);
        Files.writeString(dir.resolve("meta.env"), "kafka_version=3.9.2\ncpus=2\npasses=3\n");

        RepoFiles.Run run =
                RepoFiles.run(List.of("java", "deploy/bench/SideBySideReport.java", dir.toString()), Map.of(), 120);
        assertThat(run.exitCode()).as(run.stderr()).isZero();

        String md = Files.readString(dir.resolve("results.md"));
        assertThat(md)
                .contains("| MB/s ↑ | 100 | 210 [200–220] | 150 | 290 [280–300] | 0.72× |")
                .contains("| broker CPU per GiB (s) ↓ | 50 | 42 [40–44] | 60 | 50 [48–52] | 0.84× |")
                .contains("1 of 9 passes flagged busy")
                .contains("1 failed (left out)");
        assertThat(Files.readString(dir.resolve("results.csv")))
                .contains("a,MB/s,,higher,100.000,210.000,200.000,220.000,150.000,290.000,280.000,300.000,0.72");
        String svg = Files.readString(dir.resolve("chart.svg"));
        assertThat(svg).contains("Sluice 0.72× Kafka").contains("Sluice 0.84× Kafka");
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new InputSource(new StringReader(svg)));
    }

    @Test
    void localClustersRunBrokersWithTheHeapTheReadmeStates() {
        assertThat(RepoFiles.read("README.md")).contains("heap `-Xms1g -Xmx1g` for the broker");
        assertThat(RepoFiles.read("bin/sluice-broker")).contains("SLUICE_DEFAULT_HEAP_OPTS:--Xms1g -Xmx1g");
        // the local cluster leaves the heap to the launchers (and to the caller's SLUICE_HEAP_OPTS)
        assertThat(RepoFiles.read("bin/sluice-cluster")).doesNotContain("SLUICE_HEAP_OPTS=");
        // the side-by-side benchmark checks both systems' brokers against the same flags
        assertThat(RepoFiles.read(SCRIPT)).contains("KAFKA_HEAP_OPTS=\"-Xmx1G -Xms1G\"");
    }

    /** The passes.csv columns the script writes. */
    private static List<String> scriptColumns() {
        Matcher m = Pattern.compile("COLUMNS_CSV=\"([^\"]+)\"").matcher(RepoFiles.read(SCRIPT));
        assertThat(m.find()).as("COLUMNS_CSV in " + SCRIPT).isTrue();
        return Arrays.asList(m.group(1).split(","));
    }

    private static String row(
            List<String> columns,
            String system,
            String step,
            String pass,
            String kind,
            String flag,
            String mbPerS,
            String cpuPerGib,
            String idle) {
        Map<String, String> values = Map.of(
                "system", system,
                "step", step,
                "pass", pass,
                "kind", kind,
                "flag", flag,
                "mb_per_s", mbPerS,
                "cpu_s_per_gib", cpuPerGib,
                "idle_before", idle,
                "others_share", "0.05");
        List<String> cells = new ArrayList<>();
        for (String c : columns) {
            cells.add(values.getOrDefault(c, ""));
        }
        return String.join(",", cells);
    }
}
