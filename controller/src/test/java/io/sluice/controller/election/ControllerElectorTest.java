package io.sluice.controller.election;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.metadata.zk.ControllerEpochZNode;
import io.sluice.metadata.zk.ControllerZNode;
import io.sluice.metadata.zk.Versioned;
import io.sluice.metadata.zk.ZkStore;
import io.sluice.testsupport.EmbeddedZooKeeper;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ControllerElectorTest {

    private EmbeddedZooKeeper server;
    private CuratorFramework c1;
    private CuratorFramework c2;
    private ZkStore s1;
    private ZkStore s2;

    @BeforeEach
    void setUp() throws Exception {
        server = EmbeddedZooKeeper.start();
        c1 = CuratorFrameworkFactory.newClient(server.connectString(), new RetryNTimes(5, 100));
        c2 = CuratorFrameworkFactory.newClient(server.connectString(), new RetryNTimes(5, 100));
        c1.start();
        c2.start();
        s1 = new ZkStore(c1);
        s2 = new ZkStore(c2);
    }

    @AfterEach
    void tearDown() throws Exception {
        c1.close();
        c2.close();
        server.close();
    }

    @Test
    void theFirstElectionCreatesTheEpochAndTheSecondCandidateLoses() {
        ControllerElector e1 = new ControllerElector(s1, 1, Clock.systemUTC());
        ControllerElector e2 = new ControllerElector(s2, 2, Clock.systemUTC());
        Optional<ControllerLease> lease = e1.tryElect();
        assertThat(lease).contains(new ControllerLease(1, 1, 0));
        assertThat(e2.tryElect()).isEmpty();
        assertThat(s2.controllerId()).contains(1);
        assertThat(e1.ownsControllerZNode()).isTrue();
        assertThat(e2.ownsControllerZNode()).isFalse();
    }

    @Test
    void eachNewControllerIncrementsTheEpoch() {
        s1.create(ControllerEpochZNode.PATH, ControllerEpochZNode.encode(41), CreateMode.PERSISTENT);
        ControllerElector e1 = new ControllerElector(s1, 1, Clock.systemUTC());
        ControllerElector e2 = new ControllerElector(s2, 2, Clock.systemUTC());
        assertThat(e1.tryElect()).map(ControllerLease::epoch).contains(42);
        e1.release();
        assertThat(s2.controllerId()).isEmpty();
        Optional<ControllerLease> second = e2.tryElect();
        assertThat(second).map(ControllerLease::epoch).contains(43);
        assertThat(s1.controllerEpoch())
                .map(Versioned::zkVersion)
                .contains(second.orElseThrow().epochZkVersion());
    }

    @Test
    void aCandidateWhoseOwnControllerZnodeSurvivedRunsTheEpochCompareAndSetAgain() {
        // /controller is this session's (e.g. the controller resigned after its fence failed) and epoch 6 is held by
        // whoever bumped it: the candidate must win a fresh compare-and-set, never reuse the old epoch
        ControllerElector e1 = new ControllerElector(s1, 1, Clock.systemUTC());
        s1.create(ControllerEpochZNode.PATH, ControllerEpochZNode.encode(5), CreateMode.PERSISTENT);
        s1.create(ControllerZNode.PATH, ControllerZNode.encode(1, 0), CreateMode.EPHEMERAL);
        s1.setData(ControllerEpochZNode.PATH, ControllerEpochZNode.encode(6), 0);
        Optional<ControllerLease> lease = e1.tryElect();
        assertThat(lease).map(ControllerLease::epoch).contains(7);
        assertThat(s1.controllerEpoch().orElseThrow().value()).isEqualTo(7);
        assertThat(s1.controllerId()).contains(1);
    }
}
