package io.sluice.replication.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/** A checkpoint file that exists but cannot be parsed; names the file and the 1-based line at fault. */
public final class CorruptCheckpointException extends IOException {
    private final transient Path file;
    private final int line;

    public CorruptCheckpointException(Path file, int line, String reason) {
        super("Malformed checkpoint file " + file + " at line " + line + ": " + reason);
        this.file = file;
        this.line = line;
    }

    /** The file that failed to parse. */
    public Path file() {
        return file;
    }

    /** The 1-based line number at fault. */
    public int line() {
        return line;
    }
}
