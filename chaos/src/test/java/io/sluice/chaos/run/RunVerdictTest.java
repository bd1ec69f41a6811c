package io.sluice.chaos.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.chaos.check.Histories;
import io.sluice.chaos.history.Event;
import io.sluice.chaos.history.HistoryWriter;
import io.sluice.chaos.report.Report;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunVerdictTest {
    @TempDir
    Path dir;

    private Path history(List<Event> events) throws IOException {
        Path out = Files.createDirectories(dir.resolve("run"));
        Path file = out.resolve(ChaosRun.HISTORY_FILE);
        try (HistoryWriter w = new HistoryWriter(file)) {
            events.forEach(w::append);
        }
        return file;
    }

    private Path clusterWithLogs(Path clusterDir) throws IOException {
        Files.createDirectories(clusterDir.resolve("broker-1").resolve("data"));
        Files.writeString(clusterDir.resolve("broker-1.log"), "broker 1 said this\n");
        Files.writeString(clusterDir.resolve("broker-2.log"), "broker 2 said that\n");
        Files.writeString(clusterDir.resolve("zookeeper.log"), "zk\n");
        return clusterDir;
    }

    /** An acknowledged write truncated away: LOST. */
    private static List<Event> invalid() {
        Histories h = Histories.start(1).write("p0", "t-0", "a", 0).write("p0", "t-0", "b", 1);
        h.writeInfo("p0", "t-0", "c").store("t-0", 1, "c");
        return h.heal().finalReadAll().events();
    }

    @Test
    void anInvalidRunKeepsTheLogsOfAClusterOutsideItsDirectoryAndSaysWhere() throws IOException {
        Path file = history(invalid());
        Path cluster = clusterWithLogs(dir.resolve("elsewhere").resolve("cluster"));
        Path out = file.getParent();

        RunVerdict verdict = RunVerdict.check(file, cluster, out);

        assertThat(verdict.result().valid()).isFalse();
        Path kept = out.resolve(RunVerdict.BROKER_LOGS);
        assertThat(verdict.brokerLogs()).isEqualTo(kept);
        assertThat(kept.resolve("broker-1.log")).hasContent("broker 1 said this");
        assertThat(kept.resolve("broker-2.log")).isRegularFile();
        assertThat(kept.resolve("zookeeper.log")).isRegularFile();
        assertThat(kept.resolve("broker-1")).doesNotExist();
        String summary = Files.readString(out.resolve(Report.SUMMARY));
        assertThat(summary).startsWith("INVALID").endsWith("broker logs: " + kept + "\n");
        assertThat(out.resolve(Report.TIMELINE)).isRegularFile();
    }

    @Test
    void anInvalidRunOfAClusterInsideItsDirectoryPointsThere() throws IOException {
        Path file = history(invalid());
        Path out = file.getParent();
        Path cluster = clusterWithLogs(out.resolve("cluster"));

        RunVerdict verdict = RunVerdict.check(file, cluster, out);

        assertThat(verdict.brokerLogs()).isEqualTo(cluster.toAbsolutePath());
        assertThat(out.resolve(RunVerdict.BROKER_LOGS)).doesNotExist();
        assertThat(Files.readString(out.resolve(Report.SUMMARY))).contains("broker logs: " + cluster.toAbsolutePath());
    }

    @Test
    void aValidRunCopiesNothing() throws IOException {
        Path file = history(Histories.clean().events());
        Path cluster = clusterWithLogs(dir.resolve("elsewhere").resolve("cluster"));
        Path out = file.getParent();

        RunVerdict verdict = RunVerdict.check(file, cluster, out);

        assertThat(verdict.result().valid()).isTrue();
        assertThat(verdict.brokerLogs()).isNull();
        assertThat(out.resolve(RunVerdict.BROKER_LOGS)).doesNotExist();
        assertThat(Files.readString(out.resolve(Report.SUMMARY)))
                .startsWith("VALID")
                .doesNotContain("broker logs");
    }
}
