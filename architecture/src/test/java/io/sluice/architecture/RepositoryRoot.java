package io.sluice.architecture;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's root directory, which Surefire passes as {@code sluice.repository.root}. */
final class RepositoryRoot {
    private RepositoryRoot() {}

    static Path path() {
        Path root = Path.of(System.getProperty("sluice.repository.root", ".."))
                .toAbsolutePath()
                .normalize();
        if (!Files.isRegularFile(root.resolve("pom.xml")) || !Files.isDirectory(root.resolve("metadata"))) {
            throw new IllegalStateException("not the repository root: " + root);
        }
        return root;
    }
}
