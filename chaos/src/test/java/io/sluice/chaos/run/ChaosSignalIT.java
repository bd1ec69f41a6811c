package io.sluice.chaos.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.chaos.history.Event;
import io.sluice.chaos.history.Fault;
import io.sluice.chaos.history.HistoryReader;
import io.sluice.chaos.history.Note;
import io.sluice.chaos.history.RunStarted;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code bin/sluice-chaos run} stopped by SIGTERM while a fault is injected (a broker paused by SIGSTOP): the run
 * must stop the cluster it started itself (ZooKeeper and the brokers, the paused one included) and keep the history
 * it has; the cluster's directory (data and logs) stays, as docs/chaos.md says.
 */
class ChaosSignalIT {

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void sigtermStopsTheStartedClusterHealsAndKeepsTheHistory() throws Exception {
        Path home = Path.of("").toAbsolutePath().getParent();
        assertThat(home.resolve("bin/sluice-chaos")).isExecutable();
        assertThat(home.resolve("chaos/target/lib")).as("built by package").isDirectory();
        Path root = Files.createTempDirectory("sluice-chaos-signal");
        Path out = root.resolve("run");
        Path cluster = out.resolve("cluster");
        Path console = root.resolve("console.log");
        ProcessBuilder pb = new ProcessBuilder(
                        home.resolve("bin/sluice-chaos").toString(),
                        "run",
                        "--seed",
                        "7",
                        "--duration",
                        "120s",
                        "--faults",
                        "pause-leader",
                        "--quick-start",
                        "--rate",
                        "50",
                        "--out",
                        out.toString())
                .redirectErrorStream(true)
                .redirectOutput(console.toFile());
        pb.environment().put("SLUICE_CHAOS_HEAP_OPTS", "-Xmx256m");
        // bin/sluice-chaos execs java: the process is the run's JVM.
        Process run = pb.start();
        Map<String, Long> pids = Map.of();
        try {
            await("the first fault injected")
                    .atMost(Duration.ofSeconds(150))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> !run.isAlive() || read(console).contains("signal STOP to broker"));
            assertThat(run.isAlive())
                    .as("the run is under way:%n%s", read(console))
                    .isTrue();
            pids = pidFiles(cluster);
            assertThat(pids).as("ZooKeeper and three brokers").hasSize(4);
            assertThat(pids.values()).allMatch(ChaosSignalIT::alive);

            run.destroy(); // SIGTERM
            assertThat(run.waitFor(90, TimeUnit.SECONDS))
                    .as("the run ends after SIGTERM:%n%s", read(console))
                    .isTrue();

            for (Map.Entry<String, Long> e : pids.entrySet()) {
                assertThat(alive(e.getValue()))
                        .as("%s (pid %d) stopped", e.getKey(), e.getValue())
                        .isFalse();
            }
            assertThat(processesOf(cluster))
                    .as("no process of the cluster left")
                    .isEmpty();
            assertThat(read(console)).contains("signal received");

            List<Event> history = HistoryReader.read(out.resolve(ChaosRun.HISTORY_FILE));
            assertThat(history.get(0)).isInstanceOf(RunStarted.class);
            assertThat(history).anyMatch(e -> e instanceof Fault f && f.op() == Fault.Op.START);
            assertThat(history)
                    .anyMatch(e -> e instanceof Note n && n.message().startsWith("run interrupted by a signal"));
            assertThat(history).anyMatch(e -> e instanceof Note n && n.message().equals("run stopped after a signal"));
            // Documented: the cluster's directory stays, with its data and logs.
            assertThat(cluster.resolve("broker-1").resolve("data")).isDirectory();
            assertThat(cluster.resolve("broker-1.log")).isRegularFile();
            assertThat(cluster.resolve("zookeeper.log")).isRegularFile();
        } finally {
            if (run.isAlive()) {
                run.destroyForcibly();
                run.waitFor(30, TimeUnit.SECONDS);
            }
            // Whatever the outcome, leave nothing of this cluster running (by the pids it recorded).
            for (long pid : pids.values()) {
                ProcessHandle.of(pid)
                        .filter(h -> commandLine(pid).contains(cluster.toString()))
                        .ifPresent(h -> {
                            resume(pid);
                            h.destroyForcibly();
                        });
            }
            try (Stream<Path> files = Files.walk(root)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String read(Path file) throws IOException {
        return Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }

    /** The pids of {@code zk.pid} and {@code broker-N.pid}. */
    private static Map<String, Long> pidFiles(Path cluster) throws IOException {
        Map<String, Long> pids = new LinkedHashMap<>();
        for (String name : List.of("zk", "broker-1", "broker-2", "broker-3")) {
            Path file = cluster.resolve(name + ".pid");
            if (Files.isRegularFile(file)) {
                pids.put(name, Long.parseLong(Files.readString(file).trim()));
            }
        }
        return pids;
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Live processes whose command line names the cluster's directory (its configurations live there). */
    private static List<Long> processesOf(Path cluster) {
        List<Long> out = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(h -> {
            if (h.isAlive() && commandLine(h.pid()).contains(cluster.toString())) {
                out.add(h.pid());
            }
        });
        return out;
    }

    private static String commandLine(long pid) {
        try {
            return new String(
                            Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    private static void resume(long pid) {
        try {
            new ProcessBuilder("kill", "-CONT", Long.toString(pid)).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            // gone already
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
