package io.sluice.chaos.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class HistoryRoundTripTest {

    @TempDir
    Path dir;

    @Test
    void everyEventKindSurvivesTheJsonLinesFormatAndATornLastLineIsIgnored() throws Exception {
        List<Event> events = List.of(
                new RunStarted(
                        0,
                        42,
                        300_000,
                        List.of("kill-leader"),
                        List.of(1, 2, 3),
                        Map.of("chaos", 6),
                        Map.of("acks", "all")),
                new Phase(1, Phase.Name.WORKLOAD),
                Send.invoke(2, "p1", "chaos-0", "p1-1"),
                Send.ok(3, "p1", "chaos-0", "p1-1", 0),
                Send.fail(4, "p1", "chaos-0", "p1-2", "NotEnoughReplicasException: x"),
                Send.info(5, "p1", "chaos-0", "p1-3", "TimeoutException: y"),
                new ReadBatch(6, "c1", ReadBatch.Mode.ASSIGN, "chaos-0", List.of(new ReadBatch.OffsetValue(0, "p1-1"))),
                new Seek(7, "c1", "chaos-0", 0, "start"),
                new Commit(8, "g1", "grp", "chaos-0", 1, true, null),
                new Assignment(9, "g1", "grp", 3, List.of("chaos-0")),
                new Sample(
                        10,
                        1,
                        7,
                        Map.of("chaos-0", new Sample.PartitionSample(1, 4, List.of(1, 2), List.of(1, 2, 3), 1))),
                new Fault(11, Fault.Op.START, "f1", "kill-leader", Map.of("partition", "chaos-0"), List.of(1), "moves"),
                new Note(12, "harness", "hello"),
                new Phase(13, Phase.Name.DONE));
        Path file = dir.resolve("history.jsonl");
        try (HistoryWriter writer = new HistoryWriter(file)) {
            events.forEach(writer::append);
        }
        Files.writeString(file, "{\"type\":\"send\",\"t\":14,\"proc", java.nio.file.StandardOpenOption.APPEND);

        assertThat(HistoryReader.read(file)).isEqualTo(events);
        assertThat(Partitions.parse("my-topic-12").partition()).isEqualTo(12);
    }
}
