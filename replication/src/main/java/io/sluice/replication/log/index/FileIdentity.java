package io.sluice.replication.log.index;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * The identity of one file (its {@code fileKey}: device and inode on Linux), so that code holding a path can tell
 * whether the path still names the file it opened or a newer file created under the same name (a topic deleted and
 * re-created, a {@code .deleted} segment replaced by a later one of the same base offset). Where the file system has
 * no file keys, only existence is checked. Immutable.
 */
public final class FileIdentity {
    private final Object key;

    private FileIdentity(Object key) {
        this.key = key;
    }

    /** The identity of the file at {@code file} now. */
    public static FileIdentity of(File file) throws IOException {
        return new FileIdentity(keyOf(file));
    }

    /** Whether {@code path} exists and names this file. */
    public boolean isAt(File path) {
        try {
            return key == null || Objects.equals(key, keyOf(path));
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the attributes of " + path, e);
        }
    }

    private static Object keyOf(File file) throws IOException {
        return Files.readAttributes(file.toPath(), BasicFileAttributes.class).fileKey();
    }

    @Override
    public String toString() {
        return String.valueOf(key);
    }
}
