package io.sluice.metadata.zk;

import io.sluice.metadata.config.ZkConnect;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;

/** Builds Curator clients for Sluice: the chroot becomes the namespace, so every path is absolute from it. */
public final class ZkClients {
    private ZkClients() {}

    /**
     * A new, not yet started Curator client with {@link ZkClientSecurity#DEFAULT} (open ACLs; TLS and SASL only as the
     * ZooKeeper system properties and JAAS configuration say).
     */
    public static CuratorFramework newClient(ZkConnect connect, int sessionTimeoutMs, int connectionTimeoutMs) {
        return newClient(connect, sessionTimeoutMs, connectionTimeoutMs, ZkClientSecurity.DEFAULT);
    }

    /**
     * A new, not yet started Curator client. Operations retry on connection loss with exponential backoff (100 ms base,
     * at most 5 retries, at most 2 s between retries). Every znode it creates, parents and the chroot included, gets
     * the ACL of {@code security} ({@link ZkAcls}); its ZooKeeper handles use {@code security}'s client configuration
     * (TLS).
     *
     * @throws io.sluice.metadata.config.ConfigException when {@code zookeeper.set.acl} is true but the client has
     *     neither a SASL nor a TLS identity
     */
    public static CuratorFramework newClient(
            ZkConnect connect, int sessionTimeoutMs, int connectionTimeoutMs, ZkClientSecurity security) {
        security.requireIdentityForAcls();
        return CuratorFrameworkFactory.builder()
                .connectString(connect.connectString())
                .namespace(connect.namespace())
                .sessionTimeoutMs(sessionTimeoutMs)
                .connectionTimeoutMs(connectionTimeoutMs)
                .retryPolicy(new ExponentialBackoffRetry(100, 5, 2000))
                .zkClientConfig(security.newClientConfig())
                .aclProvider(security.acls(connect.namespace()))
                .build();
    }
}
