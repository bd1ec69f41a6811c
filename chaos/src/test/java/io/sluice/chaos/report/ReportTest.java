package io.sluice.chaos.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.chaos.check.Anomaly;
import io.sluice.chaos.check.CheckResult;
import io.sluice.chaos.check.Checker;
import io.sluice.chaos.check.Histories;
import io.sluice.chaos.history.Event;
import io.sluice.chaos.history.Fault;
import io.sluice.chaos.history.HistoryReader;
import io.sluice.chaos.history.HistoryWriter;
import io.sluice.chaos.history.ReadBatch;
import io.sluice.chaos.history.Send;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A history written to a file, read back, checked and reported: the three files say what the run did. */
@Timeout(60)
class ReportTest {

    @TempDir
    Path dir;

    @Test
    void aCleanRunRoundTripsIntoAValidReportWithABandPerFault() throws Exception {
        Histories h = Histories.clean();
        List<Event> events = roundTrip(h.events());
        CheckResult result = Checker.check(events);
        Report.write(dir.resolve("report"), events, result);

        String summary = Files.readString(dir.resolve("report").resolve(Report.SUMMARY));
        assertThat(summary.lines().findFirst()).contains("VALID");
        assertThat(summary).contains("60 acknowledged").contains("f1").contains("kill-leader");

        CheckResult parsed = Report.mapper()
                .readValue(dir.resolve("report").resolve(Report.RESULT).toFile(), CheckResult.class);
        assertThat(parsed).isEqualTo(result);

        String html = Files.readString(dir.resolve("report").resolve(Report.TIMELINE));
        assertThat(count(html, "class=\"fault-band\"")).isEqualTo(1);
        assertThat(count(html, "class=\"fault-heal\"")).isEqualTo(1);
        assertThat(html)
                .contains("<svg")
                .contains("f1 kill-leader [1]")
                .doesNotContain("<script")
                .doesNotContain("http://www.w3.org/1999");
        assertThat(count(html, "class=\"leader-change\"")).isEqualTo(2);
        assertThat(count(html, "class=\"anomaly\"")).isZero();
        assertThat(count(html, "class=\"gap\"")).isZero();
        assertThat(html).contains("polyline class=\"acks\"").contains("class=\"errors\"");
    }

    @Test
    void anInvalidRunShowsEveryAnomalyWithItsRecords() throws Exception {
        Histories h = Histories.start(1).write("p0", "t-0", "a", 0).write("p0", "t-0", "b<&>", 1);
        h.fault(Fault.Op.START, "f1", "kill-leader", 1).fault(Fault.Op.STOP, "f1", "kill-leader", 1);
        h.fault(Fault.Op.HEALED, "f1", "kill-leader", 1);
        h.fault(Fault.Op.START, "f2", "pause-controller", 2);
        h.writeInfo("p0", "t-0", "c").store("t-0", 1, "c");
        h.fault(Fault.Op.STOP, "f2", "pause-controller", 2).fault(Fault.Op.HEALED, "f2", "pause-controller", 2);
        h.seek("c1", "t-0", 0).readStored("c1", ReadBatch.Mode.ASSIGN, "t-0", 0, 2);
        List<Event> events = roundTrip(h.heal().finalReadAll().events());
        CheckResult result = Checker.check(events);
        Report.write(dir, events, result);

        String summary = Files.readString(dir.resolve(Report.SUMMARY));
        assertThat(summary.lines().findFirst()).contains("INVALID: 1 anomaly");
        assertThat(summary).contains("LOST (1)").contains("t-0@1 [b<&>] by p0");

        JsonNode json = Report.mapper().readTree(dir.resolve(Report.RESULT).toFile());
        assertThat(json.get("valid").asBoolean()).isFalse();
        assertThat(json.get("anomalies").get(0).get("kind").asText()).isEqualTo(Anomaly.Kind.LOST.name());
        assertThat(json.get("availability")).hasSize(2);

        String html = Files.readString(dir.resolve(Report.TIMELINE));
        assertThat(count(html, "class=\"fault-band\"")).isEqualTo(2);
        assertThat(html).contains("f2 pause-controller [2]");
        Matcher marker = Pattern.compile("<circle class=\"anomaly\"[^>]*><title>([^<]*)</title>")
                .matcher(html);
        assertThat(marker.find()).isTrue();
        assertThat(marker.group(1))
                .contains("LOST")
                .contains("[b&lt;&amp;&gt;]")
                .contains("p0");
        assertThat(html).doesNotContain("b<&>");
    }

    @Test
    void aLongSilenceAfterAHealIsABarOnItsLane() throws Exception {
        Histories h = Histories.start(1).write("p0", "t-0", "a");
        h.fault(Fault.Op.START, "f1", "kill-leader", 1).fault(Fault.Op.STOP, "f1", "kill-leader", 1);
        h.fault(Fault.Op.HEALED, "f1", "kill-leader", 1);
        long sentAt = h.now();
        h.add(Send.invoke(sentAt, "p0", "t-0", "slow"));
        h.at(sentAt + 5_000)
                .add(Send.ok(sentAt + 5_000, "p0", "t-0", "slow", 1))
                .store("t-0", 1, "slow");
        List<Event> events = roundTrip(h.heal().finalReadAll().events());
        CheckResult result = Checker.check(events);
        Report.write(dir, events, result);

        String html = Files.readString(dir.resolve(Report.TIMELINE));
        assertThat(count(html, "class=\"gap\"")).isEqualTo(1);
        assertThat(html).contains("t-0: no ack for 5000 ms");
        assertThat(count(html, "class=\"anomaly\"")).isEqualTo(1);
        assertThat(Files.readString(dir.resolve(Report.SUMMARY))).contains("UNAVAILABLE_AFTER_HEAL (1)");
    }

    private List<Event> roundTrip(List<Event> events) throws Exception {
        Path file = dir.resolve("history.jsonl");
        try (HistoryWriter writer = new HistoryWriter(file)) {
            events.forEach(writer::append);
        }
        List<Event> read = HistoryReader.read(file);
        assertThat(read).isEqualTo(events);
        return read;
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
