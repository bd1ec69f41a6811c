package io.sluice.chaos.history;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Appends events to a JSON-lines history file.
 *
 * <p>Concurrency: thread-safe; {@link #append} serializes writers on this object, so lines never interleave. Events
 * are flushed at least every {@link #FLUSH_EVERY} events and on {@link #flush}/{@link #close}.
 */
public final class HistoryWriter implements AutoCloseable {
    static final int FLUSH_EVERY = 1_000;

    private final ObjectMapper mapper = mapper();
    private final BufferedWriter out;
    private int unflushed;
    private boolean sealed;

    public HistoryWriter(Path file) throws IOException {
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    }

    static ObjectMapper mapper() {
        ObjectMapper mapper = new ObjectMapper();
        mapper.disable(SerializationFeature.INDENT_OUTPUT);
        mapper.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        return mapper;
    }

    public synchronized void append(Event event) {
        if (sealed) {
            return;
        }
        try {
            out.write(mapper.writeValueAsString(event));
            out.newLine();
            if (++unflushed >= FLUSH_EVERY) {
                out.flush();
                unflushed = 0;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the history", e);
        }
    }

    public synchronized void flush() {
        try {
            out.flush();
            unflushed = 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the history", e);
        }
    }

    /**
     * Flushes and ignores every later {@link #append}: what was written so far stays a complete history file (whole
     * lines only) even if the process then ends while other threads still record (a run stopped by a signal).
     */
    public synchronized void seal() {
        if (!sealed) {
            flush();
            sealed = true;
        }
    }

    @Override
    public synchronized void close() throws IOException {
        sealed = true;
        out.close();
    }
}
