package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sluice.metadata.model.LeaderAndIsr;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
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
        ch.qos.logback.classic.Logger sluice = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.sluice");
        ch.qos.logback.classic.Logger lifecycle =
                (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.sluice.controller.ControllerLifecycle");
        Level sluiceLevel = sluice.getLevel();
        Level lifecycleLevel = lifecycle.getLevel();
        ch.qos.logback.classic.Logger self = (ch.qos.logback.classic.Logger) log;
        Level selfLevel = self.getLevel();
        ListAppender<ILoggingEvent> failoverLines = new ListAppender<>();
        failoverLines.start();
        // thousands of partitions log thousands of lines per broker; keep the controller's lifecycle lines only
        sluice.setLevel(Level.WARN);
        lifecycle.setLevel(Level.INFO);
        self.setLevel(Level.INFO);
        lifecycle.addAppender(failoverLines);
        try (InJvmCluster cluster = InJvmCluster.start(
                3,
                Map.of(
                        "log.segment.bytes",
                        Integer.toString(1024 * 1024),
                        "log.index.size.max.bytes",
                        Integer.toString(64 * 1024),
                        "num.io.threads",
                        "2",
                        "auto.leader.rebalance.enable",
                        "false"))) {
            List<String> topics = new ArrayList<>();
            List<NewTopic> newTopics = new ArrayList<>();
            for (int t = 0; t < TOPICS; t++) {
                topics.add("scale-" + t);
                newTopics.add(new NewTopic("scale-" + t, PARTITIONS_PER_TOPIC, (short) 3));
            }
            long createStart = System.nanoTime();
            cluster.admin()
                    .createTopics(newTopics, new CreateTopicsOptions().timeoutMs(300_000))
                    .all()
                    .get(300, TimeUnit.SECONDS);
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
        } finally {
            lifecycle.detachAppender(failoverLines);
            sluice.setLevel(sluiceLevel);
            lifecycle.setLevel(lifecycleLevel);
            self.setLevel(selfLevel);
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
