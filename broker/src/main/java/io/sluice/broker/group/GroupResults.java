package io.sluice.broker.group;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/** The coordinator's answers to the group APIs other than JoinGroup and SyncGroup, independent of versions. */
public final class GroupResults {
    private GroupResults() {}

    /** One member named in a LeaveGroup. */
    public record LeavingMember(String memberId, Optional<String> groupInstanceId) {}

    /** The outcome for one leaving member. */
    public record MemberLeave(String memberId, Optional<String> groupInstanceId, Errors error) {}

    /** A LeaveGroup's answer: a group-level error, else one outcome per member. */
    public record LeaveResult(Errors error, List<MemberLeave> members) {}

    /**
     * An OffsetFetch's answer for one group.
     *
     * @param error the group-level error
     * @param offsets the committed offset by partition, null for a partition without one
     * @param unstable partitions with a commit still being written, when the request required stable offsets (they
     *     get {@code UNSTABLE_OFFSET_COMMIT}, the client retries)
     */
    public record FetchResult(
            Errors error, Map<TopicPartition, CommittedOffset> offsets, Set<TopicPartition> unstable) {}

    /** An OffsetDelete's answer: a group-level error, else one error per partition. */
    public record OffsetDeleteResult(Errors error, Map<TopicPartition, Errors> partitions) {}

    /** A member as DescribeGroups shows it. */
    public record DescribedMember(
            String memberId,
            Optional<String> groupInstanceId,
            String clientId,
            String clientHost,
            byte[] metadata,
            byte[] assignment) {}

    /** A group as DescribeGroups shows it. */
    public record DescribedGroup(
            String groupId,
            Errors error,
            GroupState state,
            String protocolType,
            String protocol,
            List<DescribedMember> members) {}

    /** A group as ListGroups shows it. */
    public record ListedGroup(String groupId, String protocolType, GroupState state) {}

    /** A ListGroups answer: an error (e.g. a partition still loading) and the groups known. */
    public record ListResult(Errors error, List<ListedGroup> groups) {}
}
