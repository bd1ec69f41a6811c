package io.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.metadata.zk.TopicPartitionStateZNode;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scale smoke: 3 brokers, 3,000 partitions with replication factor 3, then the controller's broker dies. Logs the
 * time from its session's end to every partition having a live leader in ZooKeeper; the new controller logs the
 * breakdown (election, context load, elections, ZooKeeper writes, requests). Does not assert on time.
 */
class FailoverScaleTest {
    private static final Logger log = LoggerFactory.getLogger(FailoverScaleTest.class);
    private static final int PARTITIONS = 3000;

    /** Partitions whose leader in ZooKeeper is not one of {@code live}, read with pipelined asynchronous reads. */
    private static int withoutLiveLeader(ControllerTestCluster cluster, Set<Integer> live) throws Exception {
        AtomicInteger bad = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(PARTITIONS);
        for (int p = 0; p < PARTITIONS; p++) {
            TopicPartition tp = new TopicPartition("scale", p);
            cluster.zk()
                    .curator()
                    .getData()
                    .inBackground((client, event) -> {
                        if (event.getResultCode() != KeeperException.Code.OK.intValue()
                                || !live.contains(TopicPartitionStateZNode.decode(tp, event.getData(), 0)
                                        .leader())) {
                            bad.incrementAndGet();
                        }
                        done.countDown();
                    })
                    .forPath(TopicPartitionStateZNode.path(tp));
        }
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        return bad.get();
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void failoverOfThreeThousandPartitions() throws Exception {
        try (ControllerTestCluster cluster = ControllerTestCluster.withBrokers(3)) {
            ControllerTestCluster.SimBroker controller = cluster.awaitController();
            long createStart = System.nanoTime();
            assertThat(Errors.forCode(
                            cluster.createTopic("scale", PARTITIONS, 3).errorCode()))
                    .isEqualTo(Errors.NONE);
            log.info(
                    "Created {} partitions (RF 3) in {} ms",
                    PARTITIONS,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - createStart));
            Set<Integer> all = Set.of(1, 2, 3);
            assertThat(withoutLiveLeader(cluster, all)).isZero();

            Set<Integer> survivors = new java.util.HashSet<>(all);
            survivors.remove(controller.id);
            // the controller's thread stops first (a crash), the clock starts when its session ends
            controller.controller.halt();
            long[] elected = new long[1];
            Thread electionWatch = new Thread(() -> {
                while (cluster.liveBrokers().stream()
                        .noneMatch(b -> b.id != controller.id && b.controller.isActive())) {
                    Thread.onSpinWait();
                }
                elected[0] = System.nanoTime();
            });
            electionWatch.start();
            long killed = System.nanoTime();
            cluster.killBroker(controller.id);
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> withoutLiveLeader(cluster, survivors) == 0);
            long recovered = System.nanoTime();
            electionWatch.join(10_000);
            log.info(
                    "Controller failover: new controller active {} ms after the session ended; the new controller's"
                            + " log line 'failover done' has the breakdown (context load, elections, ZooKeeper writes,"
                            + " requests)",
                    TimeUnit.NANOSECONDS.toMillis(elected[0] - killed));
            ControllerTestCluster.SimBroker next = cluster.awaitController();
            log.info(
                    "Failover of {} partitions: {} ms from the controller's session end to every partition having a"
                            + " live leader in ZooKeeper (new controller {} with epoch {})",
                    PARTITIONS,
                    TimeUnit.NANOSECONDS.toMillis(recovered - killed),
                    next.id,
                    next.controller.epoch());
            assertThat(next.controller.epoch()).isEqualTo(2);
            assertThat(next.registry
                            .get("sluice.controller.offline.partitions")
                            .gauge()
                            .value())
                    .isZero();
        }
    }
}
