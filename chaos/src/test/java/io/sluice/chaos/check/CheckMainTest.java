package io.sluice.chaos.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.chaos.history.Event;
import io.sluice.chaos.history.HistoryWriter;
import io.sluice.chaos.report.Report;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class CheckMainTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void aValidHistoryExitsZeroAndWritesTheReport() throws Exception {
        Path history = write(Histories.clean().events());

        int code = run(history.toString(), "--out", dir.resolve("r").toString());

        assertThat(code).isEqualTo(CheckMain.VALID);
        assertThat(out.toString()).startsWith("VALID\n");
        assertThat(dir.resolve("r").resolve(Report.TIMELINE)).exists();
        assertThat(dir.resolve("r").resolve(Report.RESULT)).exists();
        assertThat(dir.resolve("r").resolve(Report.SUMMARY)).exists();
    }

    @Test
    void anInvalidHistoryExitsOneAndReportsNextToTheHistory() throws Exception {
        Histories h = Histories.start(1).write("p0", "t-0", "a").store("t-0", 1, "ghost");
        Path history = write(h.heal().finalReadAll().events());

        int code = run(history.toString());

        assertThat(code).isEqualTo(CheckMain.INVALID);
        assertThat(out.toString()).startsWith("INVALID: 1 anomaly").contains("UNKNOWN_VALUE");
        assertThat(dir.resolve(Report.SUMMARY)).exists();
    }

    @Test
    void anUnreadableHistoryOrBadArgumentsExitTwo() throws Exception {
        Path garbage = dir.resolve("garbage.jsonl");
        Files.writeString(garbage, "not json\n{\"type\":\"phase\",\"t\":1,\"name\":\"DONE\"}\n");

        assertThat(run(garbage.toString())).isEqualTo(CheckMain.ERROR);
        assertThat(err.toString()).contains("cannot check the history");
        assertThat(run(dir.resolve("missing.jsonl").toString())).isEqualTo(CheckMain.ERROR);
        assertThat(run()).isEqualTo(CheckMain.ERROR);
    }

    private int run(String... args) {
        return CheckMain.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    private Path write(List<Event> events) throws Exception {
        Path file = dir.resolve("history.jsonl");
        try (HistoryWriter writer = new HistoryWriter(file)) {
            events.forEach(writer::append);
        }
        return file;
    }
}
