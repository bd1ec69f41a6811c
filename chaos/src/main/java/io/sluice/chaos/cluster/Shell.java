package io.sluice.chaos.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Runs a command to completion with a bound, capturing its combined output. Stateless. */
public final class Shell {
    private Shell() {}

    /** The outcome of a command. */
    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    public static Result run(List<String> command, Map<String, String> env, Duration timeout) throws IOException {
        return run(command, env, timeout, p -> {}, p -> {});
    }

    /**
     * Runs {@code command}; {@code started} sees the process as soon as it runs and {@code ended} once it is done
     * (so that an owner can stop it, and what it started, from another thread).
     */
    public static Result run(
            List<String> command,
            Map<String, String> env,
            Duration timeout,
            Consumer<Process> started,
            Consumer<Process> ended)
            throws IOException {
        Path out = Files.createTempFile("sluice-chaos-cmd", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().putAll(env);
            Process p = pb.start();
            started.accept(p);
            try {
                return await(p, command, out, timeout);
            } finally {
                ended.accept(p);
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static Result await(Process p, List<String> command, Path out, Duration timeout) throws IOException {
        boolean done;
        try {
            done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command, e);
        }
        if (!done) {
            p.destroyForcibly();
            return new Result(
                    -1, Files.readString(out, StandardCharsets.UTF_8) + "\n(timed out after " + timeout + ")");
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }
}
