package io.sluice.broker.security;

import static org.awaitility.Awaitility.await;

import io.sluice.broker.deploy.RepoFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real ZooKeeper server started through {@code bin/sluice-zookeeper} (its security options under test), in its own
 * JVM: the server's JAAS configuration, auth providers and TLS settings are JVM-wide system state that must not leak
 * into the test JVM. Listens on {@code 127.0.0.1} only; its output goes to {@code dir/zookeeper.out}.
 *
 * <p>Concurrency: meant for one test thread. {@link #close()} stops the process it started (SIGTERM, then SIGKILL).
 */
final class ScriptZooKeeper implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final int port;
    private final int securePort;
    private final Path output;

    private ScriptZooKeeper(Process process, int port, int securePort, Path output) {
        this.process = process;
        this.port = port;
        this.securePort = securePort;
        this.output = output;
    }

    /**
     * Runs {@code bin/sluice-zookeeper --port P --dir dir [options]} and waits until its ports accept connections.
     * With {@code secure}, {@code --secure-port S} is added and the options must name the stores.
     */
    static ScriptZooKeeper start(Path dir, boolean secure, List<String> options) throws IOException {
        int port = freePort();
        int securePort = secure ? freePort() : -1;
        List<String> command = new ArrayList<>(
                List.of("bash", "bin/sluice-zookeeper", "--port", String.valueOf(port), "--dir", dir.toString()));
        if (secure) {
            command.addAll(List.of("--secure-port", String.valueOf(securePort)));
        }
        command.addAll(options);
        Files.createDirectories(dir);
        Path output = dir.resolve("zookeeper.out");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(RepoFiles.root().toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().put("SLUICE_HEAP_OPTS", "-Xmx128m");
        // a quick start matters more here than the server's peak speed
        builder.environment()
                .put("SLUICE_JVM_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.awt.headless=true");
        ScriptZooKeeper zk = new ScriptZooKeeper(builder.start(), port, securePort, output);
        try {
            List<Integer> ports = new ArrayList<>();
            if (!options.contains("--no-plain-port")) {
                ports.add(port);
            }
            if (secure) {
                ports.add(securePort);
            }
            await("bin/sluice-zookeeper listening on " + ports)
                    .atMost(START_TIMEOUT)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        if (!zk.process.isAlive()) {
                            throw new IllegalStateException("bin/sluice-zookeeper exited with " + zk.process.exitValue()
                                    + ": " + Files.readString(output));
                        }
                        return ports.stream().allMatch(ScriptZooKeeper::accepts);
                    });
            return zk;
        } catch (RuntimeException | Error e) {
            zk.close();
            throw e;
        }
    }

    /** {@code 127.0.0.1:port} of the plaintext port. */
    String connectString() {
        return "127.0.0.1:" + port;
    }

    /** {@code 127.0.0.1:port} of the TLS port. */
    String secureConnectString() {
        return "127.0.0.1:" + securePort;
    }

    int securePort() {
        return securePort;
    }

    /** What the server printed so far (for assertion messages). */
    String output() throws IOException {
        return Files.readString(output);
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
