package io.sluice.broker.testing;

import io.sluice.metadata.config.ZkConnect;
import io.sluice.metadata.zk.ZkClients;
import io.sluice.metadata.zk.ZkStore;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

/** An in-JVM ZooKeeper on 127.0.0.1 for tests, and the Curator clients (sessions) opened against it. */
public final class EmbeddedZooKeeper implements AutoCloseable {
    private final TestingServer server;
    private final List<CuratorFramework> clients = new ArrayList<>();

    public EmbeddedZooKeeper(File dataDir) throws Exception {
        InstanceSpec spec = new InstanceSpec(
                dataDir, -1, -1, -1, true, -1, -1, -1, Map.of("clientPortAddress", "127.0.0.1"), "127.0.0.1");
        server = new TestingServer(spec, true);
    }

    /** A started, connected client with its own session. */
    public ZkStore newSession() throws InterruptedException {
        CuratorFramework client = ZkClients.newClient(ZkConnect.parse(server.getConnectString()), 10_000, 10_000);
        clients.add(client);
        client.start();
        if (!client.blockUntilConnected(20, TimeUnit.SECONDS)) {
            throw new IllegalStateException("could not connect to " + server.getConnectString());
        }
        return new ZkStore(client);
    }

    /** Expires the session of {@code store}'s client as the server would after a long pause. */
    public static void expireSession(ZkStore store) throws Exception {
        store.curator().getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
    }

    /** The current session id of {@code store}'s client. */
    public static long sessionId(ZkStore store) throws Exception {
        return store.curator().getZookeeperClient().getZooKeeper().getSessionId();
    }

    @Override
    public void close() throws Exception {
        for (CuratorFramework client : clients) {
            client.close();
        }
        server.close();
    }
}
