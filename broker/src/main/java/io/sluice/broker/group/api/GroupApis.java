package io.sluice.broker.group.api;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.group.GroupCoordinator;
import java.util.List;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;

/** The handlers of the group APIs, for the broker's handler registry. */
public final class GroupApis {
    private GroupApis() {}

    /**
     * @param coordinator the group coordinator
     * @param knownPartition whether the cluster metadata knows a partition (OffsetCommit and OffsetDelete answer
     *     {@code UNKNOWN_TOPIC_OR_PARTITION} otherwise)
     */
    public static List<ApiHandler<?>> handlers(GroupCoordinator coordinator, Predicate<TopicPartition> knownPartition) {
        return List.of(
                new JoinGroupHandler(coordinator),
                new SyncGroupHandler(coordinator),
                new HeartbeatHandler(coordinator),
                new LeaveGroupHandler(coordinator),
                new OffsetCommitHandler(coordinator, knownPartition),
                new OffsetFetchHandler(coordinator),
                new DescribeGroupsHandler(coordinator),
                new ListGroupsHandler(coordinator),
                new DeleteGroupsHandler(coordinator),
                new OffsetDeleteHandler(coordinator, knownPartition));
    }
}
