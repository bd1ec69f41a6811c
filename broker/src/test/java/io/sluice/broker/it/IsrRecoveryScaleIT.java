package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sluice.metadata.zk.TopicPartitionStateZNode;
import io.sluice.metadata.zk.ZkNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broker of a cluster with thousands of partitions comes back into every ISR after a restart: three brokers,
 * {@value #TOPICS}×{@value #PARTITIONS_PER_TOPIC} partitions with RF 3; one broker (not the controller) is killed, the
 * controller drops it from every ISR, it restarts on the same logs, and every ISR must be full again within
 * {@link #BOUND}. The leaders propose the expansions in batches (one AlterPartition request outstanding per broker),
 * so the controller sees a handful of requests, not one per partition; that is checked on its "ISR changed" lines and
 * on the absence of warnings from the ISR code.
 *
 * <p>Tagged {@code scale}; run it alone with
 * {@code mvn -pl broker -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=IsrRecoveryScaleIT}.
 */
@Tag("scale")
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class IsrRecoveryScaleIT {
    private static final Logger log = LoggerFactory.getLogger(IsrRecoveryScaleIT.class);
    private static final int TOPICS = 10;
    private static final int PARTITIONS_PER_TOPIC = 300;
    private static final int PARTITIONS = TOPICS * PARTITIONS_PER_TOPIC;
    private static final Duration BOUND = Duration.ofSeconds(180);

    @Test
    void aRestartedBrokerRejoinsTheIsrOfThousandsOfPartitionsWithBatchedRequests() throws Exception {
        try (ScaleCluster.QuietLogs logs = new ScaleCluster.QuietLogs(log);
                InJvmCluster cluster = ScaleCluster.start()) {
            // keep warnings and the controller's ISR lines
            ListAppender<ILoggingEvent> controllerLines = logs.capture("io.sluice.controller.AlterPartitionHandler");
            ListAppender<ILoggingEvent> warnings = logs.capture("io.sluice");
            List<TopicPartition> all = new ArrayList<>();
            for (String topic : ScaleCluster.createTopics(cluster, "isr", TOPICS, PARTITIONS_PER_TOPIC)) {
                for (int p = 0; p < PARTITIONS_PER_TOPIC; p++) {
                    all.add(new TopicPartition(topic, p));
                }
            }
            await().atMost(Duration.ofSeconds(300))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> countIsrsOfSize(cluster, all, 3) == PARTITIONS);

            int controller = cluster.controllerId();
            int victim = cluster.brokerIds().stream()
                    .filter(id -> id != controller)
                    .findFirst()
                    .orElseThrow();
            cluster.kill(victim);
            await().atMost(BOUND)
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> countIsrsOfSize(cluster, all, 2) == PARTITIONS);
            controllerLines.list.clear();
            warnings.list.clear();

            long restartedAt = System.nanoTime();
            cluster.restart(victim);
            await().atMost(BOUND)
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> countIsrsOfSize(cluster, all, 3) == PARTITIONS);
            long rejoinMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartedAt);

            List<String> changes = controllerLines.list.stream()
                    .map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.contains("ISR changed by leader"))
                    .toList();
            List<String> isrWarnings = warnings.list.stream()
                    .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .filter(e -> e.getLoggerName().startsWith("io.sluice.replication.partition"))
                    .map(ILoggingEvent::getFormattedMessage)
                    .toList();
            log.info(
                    "broker {} restarted; every ISR of {} partitions full again after {} ms, in {} ISR-change batches"
                            + " at the controller; {} warnings from the ISR code",
                    victim,
                    PARTITIONS,
                    rejoinMs,
                    changes.size(),
                    isrWarnings.size());
            // two leaders each send their expansions in a few batches; one request per partition would be 2,000 lines
            assertThat(changes).hasSizeBetween(1, 200);
            assertThat(isrWarnings).isEmpty();
        }
    }

    /** How many of {@code partitions} have an ISR of {@code size} in ZooKeeper, read in one pipelined batch. */
    private static long countIsrsOfSize(InJvmCluster cluster, List<TopicPartition> partitions, int size) {
        List<String> paths =
                partitions.stream().map(TopicPartitionStateZNode::path).toList();
        Map<String, Optional<ZkNode>> nodes = cluster.zooKeeper().getAll(paths, Duration.ofSeconds(30));
        long count = 0;
        for (TopicPartition tp : partitions) {
            Optional<ZkNode> node = nodes.getOrDefault(TopicPartitionStateZNode.path(tp), Optional.empty());
            if (node.isPresent()
                    && TopicPartitionStateZNode.decode(
                                            tp,
                                            node.get().data(),
                                            node.get().stat().getVersion())
                                    .isr()
                                    .size()
                            == size) {
                count++;
            }
        }
        return count;
    }
}
