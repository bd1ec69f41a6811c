package io.sluice.chaos.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sluice.chaos.check.CheckResult;
import io.sluice.chaos.history.Event;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes the report of a checked run into a directory: {@value #SUMMARY} (the text {@link #summary} returns),
 * {@value #RESULT} (the {@link CheckResult} as JSON) and {@value #TIMELINE} (a self-contained page with an inline SVG
 * timeline: faults as bands, producer acks and errors per second, leader and ISR per partition, anomalies). Stateless.
 */
public final class Report {
    public static final String SUMMARY = "summary.txt";
    public static final String RESULT = "result.json";
    public static final String TIMELINE = "timeline.html";

    private Report() {}

    public static void write(Path outDir, List<Event> history, CheckResult result) throws IOException {
        Files.createDirectories(outDir);
        Files.writeString(outDir.resolve(SUMMARY), summary(result), StandardCharsets.UTF_8);
        mapper().writeValue(outDir.resolve(RESULT).toFile(), result);
        Files.writeString(outDir.resolve(TIMELINE), Timeline.html(history, result), StandardCharsets.UTF_8);
    }

    /** The readable summary; its first line is {@code VALID} or {@code INVALID: n anomalies}. */
    public static String summary(CheckResult result) {
        return SummaryText.of(result);
    }

    /** The JSON mapper of {@value #RESULT}; reads it back into a {@link CheckResult} too. */
    public static ObjectMapper mapper() {
        ObjectMapper mapper = new ObjectMapper();
        mapper.enable(SerializationFeature.INDENT_OUTPUT);
        return mapper;
    }
}
