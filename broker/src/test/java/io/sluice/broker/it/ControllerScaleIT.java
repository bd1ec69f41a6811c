package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sluice.metadata.model.LeaderAndIsr;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Controller failover at scale: three brokers, {@value #TOPICS} topics of {@value #PARTITIONS_PER_TOPIC} partitions
 * with RF 3 ({@value #TOPICS}×{@value #PARTITIONS_PER_TOPIC}×3 logs in one JVM, with small segments and indexes). The
 * controller's broker is killed and the time until every partition has a live leader again is measured as clients
 * see it ({@code describeTopics}) and in ZooKeeper; the new controller's "failover done" breakdown is logged. Only a
 * generous sanity bound is asserted.
 *
 * <p>Tagged {@code scale}: about 40 s on a 2-core machine (3,000 partitions created in about 10 s, 9,000 logs with
 * 64 KiB indexes in one JVM), so it runs with the default suite; run it alone with
 * {@code mvn -pl broker verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ControllerScaleIT}.
 */
@Tag("scale")
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class ControllerScaleIT {
    private static final Logger log = LoggerFactory.getLogger(ControllerScaleIT.class);
    private static final int TOPICS = 10;
    private static final int PARTITIONS_PER_TOPIC = 300;
    private static final Duration SANITY_BOUND = Duration.ofSeconds(120);

    @Test
    void killingTheControllerOfThousandsOfPartitionsRestoresEveryLeader() throws Exception {
        try (ScaleCluster.QuietLogs logs = new ScaleCluster.QuietLogs(log);
                InJvmCluster cluster = ScaleCluster.start()) {
            // keep the controller's lifecycle lines only
            ListAppender<ILoggingEvent> failoverLines = logs.capture("io.sluice.controller.ControllerLifecycle");
            long createStart = System.nanoTime();
            List<String> topics = ScaleCluster.createTopics(cluster, "scale", TOPICS, PARTITIONS_PER_TOPIC);
            await().atMost(Duration.ofSeconds(300))
                    .pollInterval(Duration.ofSeconds(1))
                    .ignoreExceptions()
                    .until(() -> allLedBy(cluster.admin(), topics, -1));
            log.info(
                    "{} partitions ({} logs) created and led in {} ms",
                    TOPICS * PARTITIONS_PER_TOPIC,
                    TOPICS * PARTITIONS_PER_TOPIC * 3,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - createStart));

            int controller = cluster.controllerId();
            failoverLines.list.clear();
            Admin survivors = cluster.admin();
            long killedAt = System.nanoTime();
            // halting a broker with thousands of logs takes a while; the clock runs from the moment it starts
            CompletableFuture<Long> halted = CompletableFuture.supplyAsync(() -> {
                cluster.kill(controller);
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            });
            await().atMost(SANITY_BOUND)
                    .pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions()
                    .until(() -> allLedBy(survivors, topics, controller));
            long clientMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            await().atMost(SANITY_BOUND)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> allLedInZooKeeper(cluster, topics, controller));
            long zooKeeperMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            int successor = cluster.controllerId();
            long haltMs = halted.get(60, TimeUnit.SECONDS);

            List<String> done = failoverLines.list.stream()
                    .map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.contains("failover done"))
                    .toList();
            log.info(
                    "controller {} killed; {} partitions have a live leader again after {} ms as clients see it, {} ms"
                            + " in ZooKeeper (checked after the clients); the halt itself took {} ms; new controller {}:"
                            + " {}",
                    controller,
                    TOPICS * PARTITIONS_PER_TOPIC,
                    clientMs,
                    zooKeeperMs,
                    haltMs,
                    successor,
                    done);
            assertThat(successor).isNotEqualTo(controller);
            assertThat(done).as("the new controller's failover line").isNotEmpty();
            assertThat(clientMs).isLessThan(SANITY_BOUND.toMillis());
        }
    }

    /** Whether every partition of {@code topics} has a leader other than {@code dead}, as the Admin client sees it. */
    private static boolean allLedBy(Admin admin, List<String> topics, int dead) throws Exception {
        Collection<TopicDescription> described = admin.describeTopics(topics)
                .allTopicNames()
                .get(30, TimeUnit.SECONDS)
                .values();
        int led = 0;
        for (TopicDescription d : described) {
            for (TopicPartitionInfo p : d.partitions()) {
                if (p.leader() != null && !p.leader().isEmpty() && p.leader().id() != dead) {
                    led++;
                }
            }
        }
        return led == TOPICS * PARTITIONS_PER_TOPIC;
    }

    private static boolean allLedInZooKeeper(InJvmCluster cluster, List<String> topics, int dead) {
        for (String topic : topics) {
            for (int p = 0; p < PARTITIONS_PER_TOPIC; p++) {
                int leader = cluster.leaderOf(new TopicPartition(topic, p));
                if (leader == LeaderAndIsr.NO_LEADER || leader == dead) {
                    return false;
                }
            }
        }
        return true;
    }
}
