package io.sluice.broker.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Java main class run in a separate JVM: {@code java -cp <this JVM's class path, or another> MAIN ARGS}.
 * Its stdout and stderr go to two files in a directory the caller owns (no pipe can fill up and block it); logback in
 * the child writes to stderr only, so stdout carries only what the program prints. Stopped by its own handle only:
 * {@link #kill()} sends SIGKILL.
 *
 * <p>Concurrency: meant for one test thread; {@link #stdout()} may be read from any thread.
 */
final class ChildJvm implements AutoCloseable {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final String LOGBACK_TO_STDERR = """
            <configuration>
              <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
                <target>System.err</target>
                <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
              </appender>
              <root level="WARN"><appender-ref ref="STDERR"/></root>
            </configuration>
            """;

    private final String name;
    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private ChildJvm(String name, Process process, Path stdout, Path stderr) {
        this.name = name;
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Starts {@code mainClass} with {@code args}; its files go to {@code dir}. */
    static ChildJvm start(Path dir, String mainClass, List<String> args) throws IOException {
        return start(dir, System.getProperty("java.class.path"), mainClass, args);
    }

    /** Starts {@code mainClass} with {@code args} on {@code classPath}; its files go to {@code dir}. */
    static ChildJvm start(Path dir, String classPath, String mainClass, List<String> args) throws IOException {
        Files.createDirectories(dir);
        String name = mainClass.substring(mainClass.lastIndexOf('.') + 1) + "-" + SEQUENCE.incrementAndGet();
        Path logback = dir.resolve("logback-child.xml");
        if (!Files.exists(logback)) {
            Files.writeString(logback, LOGBACK_TO_STDERR, StandardCharsets.UTF_8);
        }
        Path out = dir.resolve(name + ".out");
        Path err = dir.resolve(name + ".err");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx192m",
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Dlogback.configurationFile=" + logback,
                "-cp",
                classPath,
                mainClass));
        command.addAll(args);
        Process process = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        process.getOutputStream().close(); // no input: a tool that reads stdin sees its end at once
        return new ChildJvm(name, process, out, err);
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the child to end by itself; returns its exit code, or throws if it still runs after {@code limit}. */
    int awaitExit(Duration limit) throws InterruptedException {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(name + " (pid " + pid() + ") still running after " + limit + ", killed\nstdout:\n"
                    + stdout() + "\nstderr:\n" + stderr());
        }
        return process.exitValue();
    }

    /** SIGKILL (a crash: nothing is closed, no request is sent), then waits for the exit. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError(name + " (pid " + pid() + ") survived SIGKILL for 30 s");
        }
    }

    /** What the child printed to stdout so far. */
    String stdout() {
        return read(stdout);
    }

    /** What the child printed to stderr so far (its log). */
    String stderr() {
        return read(stderr);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Kills the child if it still runs. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
