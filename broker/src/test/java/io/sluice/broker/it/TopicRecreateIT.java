package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * What the stock perf scripts do, twice in a row: create {@code bench}, run the stock {@code ProducerPerformance}
 * ({@code kafka-producer-perf-test.sh}) with {@code acks=all}, delete the topic and create it again under the same
 * name while the deleted logs wait for their delayed removal ({@code log.segment.delete.delay.ms} of 1 s, so it runs
 * in the middle of the second pass). Both passes acknowledge every record, no broker logs an ERROR, every partition
 * keeps its full ISR, and every active segment's indexes keep their preallocated size.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class TopicRecreateIT {
    private static final String TOPIC = "bench";
    private static final int PARTITIONS = 6;
    private static final int RECORDS = 60_000;
    private static final int INDEX_BYTES = 10 * 1024 * 1024;
    private static final Duration TOOL_LIMIT = Duration.ofSeconds(120);
    private static final String PRODUCER_PERFORMANCE = "org.apache.kafka.tools.ProducerPerformance";

    @TempDir
    Path dir;

    private InJvmCluster cluster;
    private final ListAppender<ILoggingEvent> errors = new ListAppender<>();
    private final Logger sluiceLogger = (Logger) LoggerFactory.getLogger("io.sluice");

    @BeforeEach
    void startCluster() throws Exception {
        cluster = InJvmCluster.start(3, Map.of("log.segment.delete.delay.ms", "1000"));
        errors.addFilter(new ch.qos.logback.core.filter.Filter<>() {
            @Override
            public ch.qos.logback.core.spi.FilterReply decide(ILoggingEvent event) {
                return event.getLevel().isGreaterOrEqual(Level.ERROR)
                        ? ch.qos.logback.core.spi.FilterReply.NEUTRAL
                        : ch.qos.logback.core.spi.FilterReply.DENY;
            }
        });
        errors.start();
        sluiceLogger.addAppender(errors);
    }

    @AfterEach
    void stopCluster() {
        sluiceLogger.detachAppender(errors);
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void producerPerformanceTwiceWithTheTopicDeletedAndRecreatedInBetween() throws Exception {
        for (int pass = 1; pass <= 2; pass++) {
            createBench();
            KafkaCli.Result run = KafkaCli.run(
                            dir,
                            TOOL_LIMIT,
                            PRODUCER_PERFORMANCE,
                            "--topic",
                            TOPIC,
                            "--num-records",
                            Integer.toString(RECORDS),
                            "--record-size",
                            "1024",
                            "--throughput",
                            "-1",
                            "--producer-props",
                            "bootstrap.servers=" + cluster.bootstrapServers(),
                            "acks=all",
                            "compression.type=lz4",
                            "linger.ms=5")
                    .assertSuccess();
            assertThat(run.stderr()).as("pass %d stderr", pass).doesNotContain("Exception");
            assertThat(run.lines())
                    .as("pass %d summary", pass)
                    .anyMatch(line -> line.startsWith(RECORDS + " records sent"));
            assertFullIsrAndPreallocatedIndexes();
            if (pass == 1) {
                cluster.admin().deleteTopics(List.of(TOPIC)).all().get(30, TimeUnit.SECONDS);
                await().atMost(InJvmCluster.WAIT)
                        .until(() -> !cluster.admin().listTopics().names().get().contains(TOPIC));
            }
        }
        assertThat(errorLines()).as("ERROR lines logged by the brokers").isEmpty();
    }

    private void createBench() throws Exception {
        NewTopic topic = new NewTopic(TOPIC, PARTITIONS, (short) 3).configs(Map.of("min.insync.replicas", "2"));
        // the previous incarnation's deletion may still be finishing on a broker: retry until it is accepted
        await().atMost(InJvmCluster.WAIT).ignoreExceptions().until(() -> {
            cluster.admin().createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
            return true;
        });
        for (int p = 0; p < PARTITIONS; p++) {
            TopicPartition tp = new TopicPartition(TOPIC, p);
            cluster.awaitLeader(tp);
            cluster.awaitIsr(tp, 3);
        }
    }

    private void assertFullIsrAndPreallocatedIndexes() throws Exception {
        for (int p = 0; p < PARTITIONS; p++) {
            assertThat(cluster.isr(new TopicPartition(TOPIC, p)))
                    .as("ISR of %s-%d", TOPIC, p)
                    .hasSize(3);
        }
        // every replica has every acknowledged record: the high watermarks add up and the followers caught up
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            long total = 0;
            for (int p = 0; p < PARTITIONS; p++) {
                TopicPartition tp = new TopicPartition(TOPIC, p);
                long leaderHw = highWatermark(cluster.leaderOf(tp), tp);
                total += leaderHw;
                for (int id : cluster.brokerIds()) {
                    assertThat(highWatermark(id, tp))
                            .as("high watermark of %s on broker %d", tp, id)
                            .isEqualTo(leaderHw);
                }
            }
            assertThat(total).isEqualTo(RECORDS);
        });
        for (int id : cluster.brokerIds()) {
            for (int p = 0; p < PARTITIONS; p++) {
                Path partitionDir = cluster.dataDir(id).resolve(TOPIC + "-" + p);
                Path activeLog = activeSegment(partitionDir);
                String base = activeLog.getFileName().toString().replace(".log", "");
                assertThat(Files.size(partitionDir.resolve(base + ".index")))
                        .as("active offset index of %s on broker %d", partitionDir.getFileName(), id)
                        .isEqualTo(INDEX_BYTES);
                assertThat(Files.size(partitionDir.resolve(base + ".timeindex")))
                        .as("active time index of %s on broker %d", partitionDir.getFileName(), id)
                        .isEqualTo(INDEX_BYTES / 12 * 12);
            }
        }
    }

    private long highWatermark(int broker, TopicPartition tp) {
        return cluster.broker(broker)
                .replicaManager()
                .partition(tp)
                .orElseThrow(() -> new AssertionError(tp + " is not hosted on broker " + broker))
                .highWatermark();
    }

    private static Path activeSegment(Path partitionDir) throws Exception {
        try (Stream<Path> files = Files.list(partitionDir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".log"))
                    .max(Path::compareTo)
                    .orElseThrow(() -> new AssertionError("no segment in " + partitionDir));
        }
    }

    private List<String> errorLines() {
        synchronized (errors.list) {
            List<String> lines = new ArrayList<>();
            for (ILoggingEvent event : errors.list) {
                lines.add("[" + event.getThreadName() + "] " + event.getLoggerName() + ": "
                        + event.getFormattedMessage()
                        + (event.getThrowableProxy() == null
                                ? ""
                                : " (" + event.getThrowableProxy().getClassName() + ": "
                                        + event.getThrowableProxy().getMessage() + ")"));
            }
            return lines;
        }
    }
}
