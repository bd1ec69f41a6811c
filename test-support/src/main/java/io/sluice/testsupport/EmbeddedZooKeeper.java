package io.sluice.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

/**
 * A ZooKeeper server inside the test JVM (curator-test), listening on {@code 127.0.0.1} only, on a free port, with its
 * data in a directory the test names (deleted on {@link #close()}).
 *
 * <p>Concurrency: start and stop it from one test thread; {@link #connectString()} may be read from any thread.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {
    private final TestingServer server;

    private EmbeddedZooKeeper(TestingServer server) {
        this.server = server;
    }

    /** Starts a server with its data in a new temporary directory. */
    public static EmbeddedZooKeeper start() throws Exception {
        return start(Files.createTempDirectory("sluice-zk-"));
    }

    /** Starts a server with its data in {@code dataDir}. */
    public static EmbeddedZooKeeper start(Path dataDir) throws Exception {
        InstanceSpec spec = new InstanceSpec(
                dataDir.toFile(), -1, -1, -1, true, -1, -1, -1, Map.of("clientPortAddress", "127.0.0.1"), "127.0.0.1");
        return new EmbeddedZooKeeper(new TestingServer(spec, true));
    }

    /** {@code 127.0.0.1:port}, without a chroot. */
    public String connectString() {
        return server.getConnectString();
    }

    public int port() {
        return server.getPort();
    }

    /** Stops the server (sessions survive on the client side until it comes back or they expire). */
    public void stop() throws IOException {
        server.stop();
    }

    /** Starts the server again on the same port and data. */
    public void restart() throws Exception {
        server.restart();
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stop the embedded ZooKeeper", e);
        }
    }
}
