package io.sluice.chaos.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts each campaign run as a child JVM ({@code sluice-chaos run}, the same Java and class path as this one), so that
 * one run's failure or leak cannot reach the next. At the timeout, and when this JVM is asked to stop, the child gets
 * SIGTERM (it heals, stops the cluster it started and keeps its history) and, after {@link #STOP_GRACE}, SIGKILL.
 * Thread-safe: the current child is published for the shutdown hook.
 */
public final class ChildRunLauncher implements Campaign.Launcher {
    static final Duration STOP_GRACE = Duration.ofSeconds(90);

    private static final Logger log = LoggerFactory.getLogger(ChildRunLauncher.class);

    private final List<String> runArguments;
    private final AtomicReference<Process> current = new AtomicReference<>();

    /**
     * @param runArguments the arguments every run gets after {@code run --seed S --out DIR} (duration, faults, ...)
     */
    public ChildRunLauncher(List<String> runArguments) {
        this.runArguments = List.copyOf(runArguments);
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopCurrent, "campaign-stop-child"));
    }

    /** The child's command line. */
    List<String> command(long seed, Path runDir) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.add("-Xmx1g");
        for (String property : List.of("sluice.home", "logback.configurationFile")) {
            String value = System.getProperty(property);
            if (value != null) {
                command.add("-D" + property + "=" + value);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.sluice.chaos.ChaosMain");
        command.addAll(List.of("run", "--seed", Long.toString(seed), "--out", runDir.toString()));
        command.addAll(runArguments);
        return command;
    }

    @Override
    public int run(long seed, Path runDir, Path logFile, Duration timeout) throws IOException, InterruptedException {
        Files.createDirectories(logFile.toAbsolutePath().getParent());
        Process child = new ProcessBuilder(command(seed, runDir))
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile())
                .start();
        current.set(child);
        try {
            if (child.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return child.exitValue();
            }
            log.warn("Campaign run seed {} still running after {}; stopping it (pid {})", seed, timeout, child.pid());
            stop(child);
            return -1;
        } finally {
            current.set(null);
        }
    }

    private void stopCurrent() {
        Process child = current.get();
        if (child != null && child.isAlive()) {
            try {
                stop(child);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void stop(Process child) throws InterruptedException {
        child.destroy();
        if (!child.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
            log.warn("Campaign run pid {} ignored SIGTERM for {}; killing it", child.pid(), STOP_GRACE);
            child.destroyForcibly();
            child.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
