package io.sluice.metadata.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.metadata.config.ZkConnect;
import io.sluice.testsupport.EmbeddedZooKeeper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs.Perms;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The znode ACLs of {@code zookeeper.set.acl}, as a table and through Curator against an embedded ZooKeeper. */
@Timeout(60)
class ZkAclsTest {
    private static final ACL WORLD_ALL = new ACL(Perms.ALL, new Id("world", "anyone"));
    private static final ACL WORLD_READ = new ACL(Perms.READ, new Id("world", "anyone"));
    private static final ACL CREATOR_ALL = new ACL(Perms.ALL, new Id("auth", ""));

    @TempDir
    Path dataDir;

    @Test
    void openAclsWhenNotSecure() {
        ZkAcls acls = new ZkAcls(false, null);
        assertThat(acls.aclFor("/brokers/ids/1")).containsExactly(WORLD_ALL);
        assertThat(acls.aclFor("/config/users/alice")).containsExactly(WORLD_ALL);
        assertThat(acls.getDefaultAcl()).containsExactly(WORLD_ALL);
    }

    @Test
    void creatorAllAndWorldReadForOrdinaryPathsCreatorOnlyForSensitiveOnes() {
        ZkAcls acls = new ZkAcls(true, null);
        for (String path :
                List.of("/brokers/ids/1", "/controller", "/brokers/topics/t", "/config", "/config/topics/t")) {
            assertThat(acls.aclFor(path)).as(path).containsExactly(CREATOR_ALL, WORLD_READ);
        }
        for (String path :
                List.of("/config/users", "/config/users/alice", "/config/brokers/<default>", "/delegation_token/x")) {
            assertThat(acls.aclFor(path)).as(path).containsExactly(CREATOR_ALL);
        }
        assertThat(ZkAcls.isSensitive("/config/usersx")).isFalse();
    }

    @Test
    void pathsAreJudgedRelativeToTheChroot() {
        ZkAcls acls = new ZkAcls(true, "sluice/a");
        assertThat(acls.getAclForPath("/sluice/a/config/users/bob")).containsExactly(CREATOR_ALL);
        assertThat(acls.getAclForPath("/sluice/a/brokers/ids/1")).containsExactly(CREATOR_ALL, WORLD_READ);
        assertThat(acls.getAclForPath("/sluice")).containsExactly(CREATOR_ALL, WORLD_READ);
        assertThat(acls.getAclForPath("/sluice/a")).containsExactly(CREATOR_ALL, WORLD_READ);
    }

    /** Curator hands the provider namespaced paths, parents and the chroot included; a stranger cannot write. */
    @Test
    void curatorAppliesTheAclsUnderAChroot() throws Exception {
        String digestUser = "broker:secret";
        Id brokerId = new Id("digest", DigestAuthenticationProvider.generateDigest(digestUser));
        try (EmbeddedZooKeeper server = EmbeddedZooKeeper.start(dataDir)) {
            ZkConnect connect = ZkConnect.parse(server.connectString() + "/chroot");
            try (CuratorFramework owner = CuratorFrameworkFactory.builder()
                            .connectString(connect.connectString())
                            .namespace(connect.namespace())
                            .retryPolicy(new RetryNTimes(3, 100))
                            .authorization("digest", digestUser.getBytes(StandardCharsets.UTF_8))
                            .aclProvider(new ZkAcls(true, connect.namespace()))
                            .build();
                    CuratorFramework stranger =
                            CuratorFrameworkFactory.newClient(server.connectString(), new RetryNTimes(3, 100))) {
                owner.start();
                stranger.start();
                assertThat(owner.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
                assertThat(stranger.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
                owner.create().creatingParentsIfNeeded().forPath("/config/users/alice", new byte[] {1});
                owner.create().creatingParentsIfNeeded().forPath("/brokers/ids/1", new byte[] {2});

                ACL ownerAll = new ACL(Perms.ALL, brokerId);
                // ZooKeeper shows a digest only to a client with ADMIN rights on the znode: read as the owner
                CuratorFramework root = owner.usingNamespace(null);
                assertThat(root.getACL().forPath("/chroot")).containsExactly(ownerAll, WORLD_READ);
                assertThat(root.getACL().forPath("/chroot/config")).containsExactly(ownerAll, WORLD_READ);
                assertThat(root.getACL().forPath("/chroot/config/users")).containsExactly(ownerAll);
                assertThat(root.getACL().forPath("/chroot/config/users/alice")).containsExactly(ownerAll);
                assertThat(root.getACL().forPath("/chroot/brokers/ids/1")).containsExactly(ownerAll, WORLD_READ);

                assertThat(stranger.getData().forPath("/chroot/brokers/ids/1")).containsExactly(2);
                assertThatThrownBy(() -> stranger.getData().forPath("/chroot/config/users/alice"))
                        .isInstanceOf(KeeperException.NoAuthException.class);
                assertThatThrownBy(() -> stranger.setData().forPath("/chroot/brokers/ids/1", new byte[] {9}))
                        .isInstanceOf(KeeperException.NoAuthException.class);
                assertThatThrownBy(() -> stranger.create().forPath("/chroot/brokers/ids/2"))
                        .isInstanceOf(KeeperException.NoAuthException.class);
            }
        }
    }
}
