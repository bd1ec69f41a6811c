package io.sluice.broker.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.broker.metrics.MetricsHttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.server.command.FourLetterCommands;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The launcher and container scripts: conventions, --help, usage errors, shellcheck, and the health checks. */
@Timeout(120)
class ScriptsTest {
    private static final List<String> SCRIPTS = List.of(
            "bin/sluice-run-class",
            "bin/sluice-broker",
            "bin/sluice-zookeeper",
            "bin/sluice-cluster",
            "bin/sluice-admin",
            "deploy/docker/entrypoint.sh",
            "deploy/docker/healthcheck.sh");

    @BeforeEach
    void needsBash() {
        assumeThat(RepoFiles.onPath("bash"))
                .as("bash is needed to run the scripts")
                .isPresent();
    }

    @Test
    void scriptsAreStrictExecutableBash() throws Exception {
        for (String script : SCRIPTS) {
            Path file = RepoFiles.root().resolve(script);
            assertThat(Files.isExecutable(file)).as("%s is executable", script).isTrue();
            String text = Files.readString(file);
            assertThat(text).as(script).startsWith("#!/usr/bin/env bash\n").contains("\nset -euo pipefail\n");
        }
    }

    @Test
    void scriptsAreShellcheckClean() {
        assumeThat(RepoFiles.onPath("shellcheck"))
                .as("shellcheck is not installed (apt-get install shellcheck); skipping the lint")
                .isPresent();
        List<String> command = new ArrayList<>(List.of("shellcheck", "--shell=bash"));
        command.addAll(SCRIPTS);
        RepoFiles.Run run = RepoFiles.run(command, Map.of(), 60);
        assertThat(run.exitCode()).as(run.stdout()).isZero();
    }

    @Test
    void helpExitsZeroWithUsage() {
        for (String script : List.of(
                "bin/sluice-run-class",
                "bin/sluice-broker",
                "bin/sluice-zookeeper",
                "bin/sluice-cluster",
                "deploy/docker/entrypoint.sh",
                "deploy/docker/healthcheck.sh")) {
            RepoFiles.Run run = RepoFiles.run(List.of("bash", script, "--help"), Map.of(), 30);
            assertThat(run.exitCode()).as(script).isZero();
            assertThat(run.stdout()).as(script).contains("Usage:");
        }
        assertThat(RepoFiles.run(List.of("bash", "bin/sluice-broker", "--help"), Map.of(), 30)
                        .stdout())
                .contains("Exit codes:")
                .contains("SLUICE_HEAP_OPTS");
    }

    @Test
    void usageErrorsExitTwo(@TempDir Path dir) {
        List<List<String>> bad = List.of(
                List.of("bin/sluice-broker"),
                List.of("bin/sluice-zookeeper", "--port", "zero"),
                List.of("bin/sluice-zookeeper", "--bogus"),
                List.of("bin/sluice-zookeeper", "--secure-port", "2182", "--dir", dir.toString()),
                List.of("bin/sluice-zookeeper", "--no-plain-port", "--dir", dir.toString()),
                List.of(
                        "bin/sluice-zookeeper",
                        "--sasl-jaas",
                        dir.resolve("missing.conf").toString(),
                        "--dir",
                        dir.toString()),
                List.of("bin/sluice-cluster"),
                List.of("bin/sluice-cluster", "explode", "--dir", dir.toString()),
                List.of("bin/sluice-cluster", "up", "--brokers", "many", "--dir", dir.toString()),
                List.of("bin/sluice-cluster", "up", "--frobnicate", "--dir", dir.toString()),
                List.of("deploy/docker/healthcheck.sh"),
                List.of("deploy/docker/healthcheck.sh", "kettle"));
        for (List<String> args : bad) {
            List<String> command = new ArrayList<>(List.of("bash"));
            command.addAll(args);
            RepoFiles.Run run = RepoFiles.run(command, Map.of(), 30);
            assertThat(run.exitCode()).as("%s: %s", args, run.stderr()).isEqualTo(2);
        }
    }

    @Test
    void clusterCommandsWithoutAClusterFailClearly(@TempDir Path dir) throws Exception {
        RepoFiles.Run run =
                RepoFiles.run(List.of("bash", "bin/sluice-cluster", "status", "--dir", dir.toString()), Map.of(), 30);
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.stderr()).contains("no cluster in " + dir.toRealPath());
    }

    @Test
    void brokerHealthCheckFollowsTheHealthEndpoint() {
        AtomicBoolean healthy = new AtomicBoolean(false);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (MetricsHttpServer server = new MetricsHttpServer(
                1,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                registry,
                healthy::get,
                () -> "catching up")) {
            server.start();
            List<String> check =
                    List.of("bash", "deploy/docker/healthcheck.sh", "broker", String.valueOf(server.port()));

            RepoFiles.Run down = RepoFiles.run(check, Map.of(), 30);
            assertThat(down.exitCode()).isEqualTo(1);
            assertThat(down.stderr()).contains("503");

            healthy.set(true);
            assertThat(RepoFiles.run(check, Map.of(), 30).exitCode()).isZero();
        } finally {
            registry.close();
        }
    }

    @Test
    void healthChecksFailOnAClosedPort() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        for (String kind : List.of("broker", "zookeeper")) {
            RepoFiles.Run run = RepoFiles.run(
                    List.of("bash", "deploy/docker/healthcheck.sh", kind, String.valueOf(port)), Map.of(), 30);
            assertThat(run.exitCode()).as(kind).isEqualTo(1);
        }
    }

    @Test
    void zooKeeperHealthCheckAsksRuok(@TempDir Path dir) throws Exception {
        String property = "zookeeper.4lw.commands.whitelist";
        String previous = System.setProperty(property, "ruok,srvr");
        FourLetterCommands.resetWhiteList();
        try (TestingServer zk = new TestingServer(
                new InstanceSpec(dir.toFile(), -1, -1, -1, false, -1, -1, -1, Map.of(), "127.0.0.1"), true)) {
            RepoFiles.Run run = RepoFiles.run(
                    List.of("bash", "deploy/docker/healthcheck.sh", "zookeeper", String.valueOf(zk.getPort())),
                    Map.of(),
                    30);
            assertThat(run.exitCode()).as(run.stderr()).isZero();
        } finally {
            if (previous == null) {
                System.clearProperty(property);
            } else {
                System.setProperty(property, previous);
            }
            FourLetterCommands.resetWhiteList();
        }
    }
}
