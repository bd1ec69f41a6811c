package io.sluice.broker.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Locates the repository's launch and deployment files and runs its scripts, for the deployment checks. */
public final class RepoFiles {
    private RepoFiles() {}

    /** The checkout root: the nearest ancestor of the working directory holding {@code bin/sluice-cluster}. */
    public static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isRegularFile(dir.resolve("bin/sluice-cluster"))
                    && Files.isRegularFile(dir.resolve("docker-compose.yml"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("No checkout root above " + Path.of("").toAbsolutePath());
    }

    static String read(String relative) {
        try {
            return Files.readString(root().resolve(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An executable on the PATH, if any. */
    static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Result of a finished process. */
    record Run(int exitCode, String stdout, String stderr) {}

    /**
     * Runs {@code command} in the checkout root with {@code env} added to a minimal environment (PATH, HOME, JAVA_HOME)
     * and waits at most {@code timeoutSeconds}.
     */
    static Run run(List<String> command, Map<String, String> env, long timeoutSeconds) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(root().toFile());
        Map<String, String> environment = pb.environment();
        Map<String, String> keep = new LinkedHashMap<>();
        for (String name : List.of("PATH", "HOME", "JAVA_HOME")) {
            String value = System.getenv(name);
            if (value != null) {
                keep.put(name, value);
            }
        }
        environment.clear();
        environment.putAll(keep);
        environment.putAll(env);
        try {
            Path out = Files.createTempFile("sluice-run", ".out");
            Path err = Files.createTempFile("sluice-run", ".err");
            try {
                pb.redirectOutput(out.toFile()).redirectError(err.toFile());
                Process process = pb.start();
                if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    throw new IllegalStateException(command + " did not finish within " + timeoutSeconds + " s");
                }
                return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
