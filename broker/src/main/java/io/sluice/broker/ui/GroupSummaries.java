package io.sluice.broker.ui;

import io.sluice.broker.group.CommittedOffset;
import io.sluice.broker.group.GroupCoordinator;
import io.sluice.broker.group.GroupResults.DescribedGroup;
import io.sluice.broker.group.GroupResults.DescribedMember;
import io.sluice.broker.group.GroupResults.FetchResult;
import io.sluice.broker.group.GroupResults.ListResult;
import io.sluice.broker.group.GroupResults.ListedGroup;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * The consumer groups of the cluster page: the groups this broker coordinates (each broker shows its own share of the
 * {@code __consumer_offsets} partitions, as Kafka's coordinators do), with state, members and committed offsets.
 *
 * <p>Lag is {@code high watermark - committed offset}, given only for partitions whose leader is this broker: the high
 * watermark of any other partition would take a request to its leader, which the page does not make. Those
 * partitions show their committed offset with a null lag.
 *
 * <p>Concurrency: safe from any thread; the coordinator locks each group while it is read.
 */
public final class GroupSummaries implements Supplier<GroupSummaries.Groups> {

    /** One committed partition of a group. */
    public record PartitionLag(String topic, int partition, long committed, Long highWatermark, Long lag) {}

    /** One member of a group. */
    public record Member(String memberId, String clientId, String host) {}

    /** One group; {@code lag} sums the known lags, null when none is known. */
    public record Group(String id, String state, List<Member> members, Long lag, List<PartitionLag> partitions) {}

    /** The groups, with a note on what the lag covers. */
    public record Groups(String note, List<Group> groups) {
        /** No groups (a broker without a group coordinator yet). */
        public static Groups none(String note) {
            return new Groups(note, List.of());
        }
    }

    private final int localBrokerId;
    private final Supplier<GroupCoordinator> coordinator;
    private final Function<TopicPartition, OptionalLong> localHighWatermark;

    /**
     * @param coordinator this broker's group coordinator, null until it is started
     * @param localHighWatermark the high watermark of a partition this broker leads, empty for any other
     */
    public GroupSummaries(
            int localBrokerId,
            Supplier<GroupCoordinator> coordinator,
            Function<TopicPartition, OptionalLong> localHighWatermark) {
        this.localBrokerId = localBrokerId;
        this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
        this.localHighWatermark = Objects.requireNonNull(localHighWatermark, "localHighWatermark");
    }

    @Override
    public Groups get() {
        String note = "groups coordinated by broker " + localBrokerId + "; lag only for partitions it leads";
        GroupCoordinator groups = coordinator.get();
        if (groups == null) {
            return Groups.none(note);
        }
        ListResult listed = groups.listGroups(Set.of(), Set.of());
        List<Group> out = new ArrayList<>();
        for (ListedGroup group : listed.groups()) {
            out.add(summary(groups, group));
        }
        out.sort(Comparator.comparing(Group::id));
        return new Groups(note, out);
    }

    private Group summary(GroupCoordinator groups, ListedGroup listed) {
        DescribedGroup described = groups.describeGroup(listed.groupId());
        List<Member> members = new ArrayList<>();
        if (described.error() == Errors.NONE) {
            for (DescribedMember m : described.members()) {
                members.add(new Member(m.memberId(), m.clientId(), m.clientHost()));
            }
        }
        FetchResult offsets = groups.fetchOffsets(listed.groupId(), null);
        List<PartitionLag> partitions = new ArrayList<>();
        long total = 0;
        boolean anyLag = false;
        for (Map.Entry<TopicPartition, CommittedOffset> e : offsets.offsets().entrySet()) {
            if (e.getValue() == null) {
                continue;
            }
            TopicPartition tp = e.getKey();
            long committed = e.getValue().offset();
            OptionalLong hw = localHighWatermark.apply(tp);
            Long lag = hw.isPresent() ? Long.valueOf(Math.max(0, hw.getAsLong() - committed)) : null;
            if (lag != null) {
                total += lag;
                anyLag = true;
            }
            partitions.add(new PartitionLag(
                    tp.topic(), tp.partition(), committed, hw.isPresent() ? hw.getAsLong() : null, lag));
        }
        partitions.sort(Comparator.comparing(PartitionLag::topic).thenComparingInt(PartitionLag::partition));
        return new Group(
                listed.groupId(), listed.state().label(), members, anyLag ? Long.valueOf(total) : null, partitions);
    }
}
