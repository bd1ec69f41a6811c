package io.sluice.chaos.history;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads a JSON-lines history; a torn last line (the writer was killed) is ignored. Stateless. */
public final class HistoryReader {
    private HistoryReader() {}

    public static List<Event> read(Path file) throws IOException {
        ObjectMapper mapper = HistoryWriter.mapper();
        List<Event> events = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            String pending = null;
            while ((line = in.readLine()) != null) {
                if (pending != null) {
                    throw new IOException("unreadable history line in the middle of " + file + ": " + pending);
                }
                if (line.isBlank()) {
                    continue;
                }
                try {
                    events.add(mapper.readValue(line, Event.class));
                } catch (IOException e) {
                    pending = line;
                }
            }
        }
        return events;
    }
}
