package io.sluice.metadata.zk;

import io.sluice.metadata.config.ZkConnect;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;

/** Builds Curator clients for Sluice: the chroot becomes the namespace, so every path is absolute from it. */
public final class ZkClients {
    private ZkClients() {}

    /**
     * A new, not yet started Curator client. Operations retry on connection loss with exponential backoff (100 ms base,
     * at most 5 retries, at most 2 s between retries).
     */
    public static CuratorFramework newClient(ZkConnect connect, int sessionTimeoutMs, int connectionTimeoutMs) {
        return CuratorFrameworkFactory.builder()
                .connectString(connect.connectString())
                .namespace(connect.namespace())
                .sessionTimeoutMs(sessionTimeoutMs)
                .connectionTimeoutMs(connectionTimeoutMs)
                .retryPolicy(new ExponentialBackoffRetry(100, 5, 2000))
                .build();
    }
}
