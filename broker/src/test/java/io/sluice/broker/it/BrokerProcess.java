package io.sluice.broker.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A broker as a separate JVM: {@code java -cp <this JVM's class path> io.sluice.broker.server.BrokerMain CONFIG}, its
 * stdout and stderr appended to one file. Stopped by its own PID only: {@link #terminate()} sends SIGTERM,
 * {@link #kill()} SIGKILL.
 *
 * <p>Concurrency: meant for one test thread.
 */
final class BrokerProcess implements AutoCloseable {
    private static final long STOP_TIMEOUT_SECONDS = 30;

    private final Process process;
    private final Path output;

    private BrokerProcess(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    /** Writes {@code settings} to {@code config} and starts a broker on it; output goes to {@code output}. */
    static BrokerProcess start(Path config, Map<String, String> settings, Path output) throws IOException {
        Properties props = new Properties();
        props.putAll(new TreeMap<>(settings));
        try (var writer = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
            props.store(writer, "broker started by a test");
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(List.of(
                        java,
                        "-Xmx256m",
                        "-XX:TieredStopAtLevel=1",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "io.sluice.broker.server.BrokerMain",
                        config.toString()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()));
        return new BrokerProcess(builder.start(), output);
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM, then waits for the exit; returns the exit code. */
    int terminate() throws InterruptedException {
        process.destroy();
        return awaitExit();
    }

    /** SIGKILL, then waits for the exit; returns the exit code. */
    int kill() throws InterruptedException {
        process.destroyForcibly();
        return awaitExit();
    }

    /** Waits for the process to end by itself; returns its exit code. */
    int awaitExit() throws InterruptedException {
        if (!process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new AssertionError(
                    "broker process " + pid() + " still running after " + STOP_TIMEOUT_SECONDS + " s\n" + output());
        }
        return process.exitValue();
    }

    /** What the process wrote so far (stdout and stderr). */
    String output() {
        try {
            return Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Kills the process if it still runs (SIGKILL) and waits for it. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
    }
}
