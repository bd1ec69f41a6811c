package io.sluice.broker.it;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits and checks on a consumer group shared by the group ITs, through what the members report and what the stock
 * Admin client reads from the coordinator.
 *
 * <p>Concurrency: stateless.
 */
final class GroupChecks {
    private static final Logger LOG = LoggerFactory.getLogger(GroupChecks.class);
    private static final Duration REBALANCE_WAIT = Duration.ofSeconds(60);

    private GroupChecks() {}

    /**
     * Waits until every live member reports the same generation, newer than {@code previousGeneration}, the members own
     * every partition of {@code topic} exactly once, and the coordinator describes the group as Stable with exactly
     * these members and these assignments. Returns the generation.
     */
    static int awaitOneOwnerPerPartition(
            Admin admin,
            String group,
            String topic,
            int partitions,
            List<Supplier<ConsumerMember.Snapshot>> live,
            int previousGeneration) {
        int generation = await().atMost(REBALANCE_WAIT)
                .pollInterval(Duration.ofMillis(200))
                .failFast("a member stopped polling", () -> {
                    for (Supplier<ConsumerMember.Snapshot> member : live) {
                        ConsumerMember.Snapshot s = member.get();
                        if (s.stopped() != null) {
                            throw new AssertionError("member " + s.name() + " stopped: " + s.stopped());
                        }
                    }
                })
                .until(() -> settledGeneration(admin, group, topic, partitions, live, previousGeneration), g -> g > 0);
        LOG.info(
                "[group {}] generation {}: {}",
                group,
                generation,
                live.stream()
                        .map(Supplier::get)
                        .map(s -> s.name() + "=" + partitionsOf(s.assignment()))
                        .collect(Collectors.joining(", ")));
        return generation;
    }

    private static int settledGeneration(
            Admin admin,
            String group,
            String topic,
            int partitions,
            List<Supplier<ConsumerMember.Snapshot>> live,
            int previousGeneration)
            throws InterruptedException {
        List<ConsumerMember.Snapshot> snapshots =
                live.stream().map(Supplier::get).toList();
        int generation = snapshots.get(0).generation();
        Set<TopicPartition> owned = new HashSet<>();
        int count = 0;
        for (ConsumerMember.Snapshot s : snapshots) {
            if (s.generation() != generation) {
                return -1;
            }
            owned.addAll(s.assignment());
            count += s.assignment().size();
        }
        if (generation <= previousGeneration || count != partitions || !owned.equals(all(topic, partitions))) {
            return -1;
        }
        ConsumerGroupDescription description;
        try {
            description = admin.describeConsumerGroups(List.of(group))
                    .describedGroups()
                    .get(group)
                    .get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.info("[group {}] describe failed: {}", group, e.toString());
            return -1;
        }
        Map<String, Set<TopicPartition>> described = new HashMap<>();
        for (MemberDescription m : description.members()) {
            described.put(m.consumerId(), m.assignment().topicPartitions());
        }
        Map<String, Set<TopicPartition>> reported = new HashMap<>();
        snapshots.forEach(s -> reported.put(s.memberId(), s.assignment()));
        return description.state() == ConsumerGroupState.STABLE && described.equals(reported) ? generation : -1;
    }

    /**
     * Waits until the group's committed offset of every partition of {@code topic} equals its end offset (the high
     * watermark); returns the end offsets by partition.
     */
    static Map<Integer, Long> awaitEverythingCommitted(Admin admin, String group, String topic, int partitions) {
        return await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> committedIfAtEnd(admin, group, topic, partitions), m -> !m.isEmpty());
    }

    private static Map<Integer, Long> committedIfAtEnd(Admin admin, String group, String topic, int partitions)
            throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        all(topic, partitions).forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).forEach((tp, info) -> ends.put(tp, info.offset()));
        Map<TopicPartition, OffsetAndMetadata> committed = committed(admin, group);
        Map<Integer, Long> out = new TreeMap<>();
        for (TopicPartition tp : all(topic, partitions)) {
            OffsetAndMetadata c = committed.get(tp);
            if (c == null || c.offset() != ends.get(tp)) {
                return Map.of();
            }
            out.put(tp.partition(), c.offset());
        }
        return out;
    }

    /** The group's committed offsets, from the coordinator (OffsetFetch). */
    static Map<TopicPartition, OffsetAndMetadata> committed(Admin admin, String group) throws Exception {
        return admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get(10, TimeUnit.SECONDS);
    }

    static Set<TopicPartition> all(String topic, int partitions) {
        Set<TopicPartition> out = new HashSet<>();
        for (int p = 0; p < partitions; p++) {
            out.add(new TopicPartition(topic, p));
        }
        return out;
    }

    private static List<Integer> partitionsOf(Set<TopicPartition> tps) {
        return tps.stream().map(TopicPartition::partition).sorted().toList();
    }
}
