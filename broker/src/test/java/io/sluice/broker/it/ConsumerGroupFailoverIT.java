package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A group's coordinator dies: two stock consumers commit after every poll while a producer keeps writing; the broker
 * leading the group's {@code __consumer_offsets} partition (its coordinator) is halted. The consumers find the new
 * coordinator and carry on from their last commits: no acknowledged commit is lost, the committed offsets the Admin
 * client reads never go backwards, and every record is consumed in the end.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class ConsumerGroupFailoverIT {
    private static final Logger LOG = LoggerFactory.getLogger(ConsumerGroupFailoverIT.class);
    private static final String TOPIC = "coordinated";
    private static final int PARTITIONS = 3;
    private static final int OFFSETS_PARTITIONS = 5;
    private static final String GROUP = "survivor";

    private InJvmCluster cluster;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void startCluster() throws Exception {
        cluster = InJvmCluster.start(3, Map.of("offsets.topic.num.partitions", Integer.toString(OFFSETS_PARTITIONS)));
        cluster.createTopicAndAwaitFullIsr(TOPIC, PARTITIONS, 3, Map.of("min.insync.replicas", "2"));
    }

    @AfterEach
    void stopCluster() throws Exception {
        Collections.reverse(closeables);
        for (AutoCloseable c : closeables) {
            c.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void committedOffsetsSurviveTheCoordinatorsDeathAndConsumersResumeFromThem() throws Exception {
        Map<String, String> config = Map.of(
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName(),
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000",
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "1000",
                ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, "30000",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "200");
        GroupLedger ledger = new GroupLedger();
        Admin admin = cluster.admin();
        SteadyProducer producer = new SteadyProducer(cluster.bootstrapServers(), TOPIC, 10, 20);
        closeables.add(producer);
        ConsumerMember a = ConsumerMember.start("a", cluster.bootstrapServers(), GROUP, TOPIC, config, ledger);
        closeables.add(a);
        ConsumerMember b = ConsumerMember.start("b", cluster.bootstrapServers(), GROUP, TOPIC, config, ledger);
        closeables.add(b);
        GroupChecks.awaitOneOwnerPerPartition(admin, GROUP, TOPIC, PARTITIONS, List.of(a::snapshot, b::snapshot), 0);
        awaitCommitsOfEveryPartitionAfter(ledger, 0);

        // the coordinator is the leader of partition abs(hash(group.id)) % offsets.topic.num.partitions
        TopicPartition offsetsPartition =
                new TopicPartition("__consumer_offsets", Utils.abs(GROUP.hashCode()) % OFFSETS_PARTITIONS);
        int coordinator = coordinatorOf(admin);
        assertThat(coordinator).isEqualTo(cluster.awaitLeader(offsetsPartition));
        CommittedOffsetSampler sampler = new CommittedOffsetSampler(cluster.admin());
        closeables.add(sampler);
        await().atMost(Duration.ofSeconds(30)).until(() -> sampler.samples() >= 5);

        long killSeq = ledger.now();
        Map<Integer, Long> acknowledgedBeforeKill = ledger.committedBefore(killSeq + 1);
        LOG.info(
                "killing coordinator {} of group {}; acknowledged commits {}",
                coordinator,
                GROUP,
                acknowledgedBeforeKill);
        cluster.kill(coordinator);
        int next = await().atMost(InJvmCluster.WAIT)
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(() -> coordinatorOf(admin), c -> c != coordinator && c >= 0);
        assertThat(next).isEqualTo(cluster.awaitLeader(offsetsPartition));

        // the consumers go on: new commits of every partition, none below what was acknowledged before the kill
        awaitCommitsOfEveryPartitionAfter(ledger, killSeq);
        Map<TopicPartition, OffsetAndMetadata> afterFailover = GroupChecks.committed(admin, GROUP);
        acknowledgedBeforeKill.forEach((p, offset) -> assertThat(
                        afterFailover.get(new TopicPartition(TOPIC, p)).offset())
                .as("committed offset of partition %d after the failover", p)
                .isGreaterThanOrEqualTo(offset));
        for (GroupLedger.Delivery d : ledger.deliveries()) {
            if (d.seq() > killSeq) {
                assertThat(d.offset())
                        .as("%s read after the kill, at or above the commit acknowledged before it", d)
                        .isGreaterThanOrEqualTo(acknowledgedBeforeKill.getOrDefault(d.partition(), 0L));
            }
        }

        producer.stop();
        Map<Integer, Long> ends = GroupChecks.awaitEverythingCommitted(admin, GROUP, TOPIC, PARTITIONS);
        a.leave();
        b.leave();
        sampler.close();
        assertThat(a.failure()).isNull();
        assertThat(b.failure()).isNull();
        assertThat(ends.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(producer.sent());
        assertThat(sampler.violations())
                .as("committed offsets that went backwards")
                .isEmpty();
        LOG.info(
                "{} samples of the committed offsets ({} failed during the failover), {} deliveries",
                sampler.samples(),
                sampler.failedSamples(),
                ledger.deliveries().size());
        ledger.assertEveryRecordDelivered(ends);
        ledger.assertNoRecordDeliveredTwiceInAGeneration();
        ledger.assertEveryOwnerResumedAtACommittedOffset();
        ledger.assertCommitsNeverMovedBackward();
    }

    private static int coordinatorOf(Admin admin) throws Exception {
        ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(GROUP))
                .describedGroups()
                .get(GROUP)
                .get(10, TimeUnit.SECONDS);
        return description.coordinator().id();
    }

    /** Waits until every partition has an acknowledged commit appended to the ledger after {@code seq}. */
    private static void awaitCommitsOfEveryPartitionAfter(GroupLedger ledger, long seq) {
        await().atMost(Duration.ofSeconds(60))
                .until(() -> ledger.commits().stream()
                                .filter(c -> c.seq() > seq)
                                .map(GroupLedger.Commit::partition)
                                .distinct()
                                .count()
                        == PARTITIONS);
    }

    /**
     * Reads the group's committed offsets through the Admin client every 100 ms and records every partition whose
     * offset is below an earlier reading. Failed reads (no coordinator during the failover) are skipped.
     *
     * <p>Concurrency: reads run on its scheduler thread; the maps are concurrent.
     */
    private static final class CommittedOffsetSampler implements AutoCloseable {
        private final Admin admin;
        private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "committed-offset-sampler");
            t.setDaemon(true);
            return t;
        });
        private final Map<TopicPartition, Long> highest = new ConcurrentHashMap<>();
        private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
        private volatile int samples;
        private final AtomicInteger failedSamples = new AtomicInteger();

        CommittedOffsetSampler(Admin admin) {
            this.admin = admin;
            scheduler.scheduleWithFixedDelay(this::sample, 0, 100, TimeUnit.MILLISECONDS);
        }

        private void sample() {
            Map<TopicPartition, OffsetAndMetadata> now;
            try {
                now = GroupChecks.committed(admin, GROUP);
            } catch (Exception e) {
                // expected while the coordinator moves; the sample is skipped, the next one comes in 100 ms
                failedSamples.incrementAndGet();
                LOG.debug("committed-offset sample failed: {}", e.toString());
                return;
            }
            now.forEach((tp, o) -> {
                if (o == null) {
                    return;
                }
                Long before = highest.get(tp);
                if (before != null && o.offset() < before) {
                    violations.add(tp + ": " + o.offset() + " after " + before);
                }
                highest.merge(tp, o.offset(), Math::max);
            });
            samples++;
        }

        int samples() {
            return samples;
        }

        int failedSamples() {
            return failedSamples.get();
        }

        List<String> violations() {
            return List.copyOf(violations);
        }

        @Override
        public void close() throws InterruptedException {
            scheduler.shutdownNow();
            scheduler.awaitTermination(15, TimeUnit.SECONDS);
        }
    }
}
