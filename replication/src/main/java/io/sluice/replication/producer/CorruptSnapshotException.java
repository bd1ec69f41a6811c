package io.sluice.replication.producer;

import java.io.IOException;
import java.nio.file.Path;

/** A producer-state snapshot that exists but fails validation; names the file and the reason. */
public final class CorruptSnapshotException extends IOException {
    private final transient Path file;

    public CorruptSnapshotException(Path file, String reason) {
        super("Corrupt producer snapshot " + file + ": " + reason);
        this.file = file;
    }

    /** The file that failed validation. */
    public Path file() {
        return file;
    }
}
