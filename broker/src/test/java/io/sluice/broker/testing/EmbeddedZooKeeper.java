package io.sluice.broker.testing;

import io.sluice.metadata.config.ZkConnect;
import io.sluice.metadata.zk.ZkClients;
import io.sluice.metadata.zk.ZkStore;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;

/**
 * The test kit's {@link io.sluice.testsupport.EmbeddedZooKeeper} with the broker's Curator clients (sessions) opened
 * against it as {@link ZkStore}s.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {
    private final io.sluice.testsupport.EmbeddedZooKeeper server;
    private final List<CuratorFramework> clients = new ArrayList<>();

    public EmbeddedZooKeeper(File dataDir) throws Exception {
        server = io.sluice.testsupport.EmbeddedZooKeeper.start(dataDir.toPath());
    }

    /** A started, connected client with its own session. */
    public ZkStore newSession() throws InterruptedException {
        CuratorFramework client = ZkClients.newClient(ZkConnect.parse(server.connectString()), 10_000, 10_000);
        clients.add(client);
        client.start();
        if (!client.blockUntilConnected(20, TimeUnit.SECONDS)) {
            throw new IllegalStateException("could not connect to " + server.connectString());
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
