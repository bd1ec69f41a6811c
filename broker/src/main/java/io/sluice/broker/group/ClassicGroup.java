package io.sluice.broker.group;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ConsumerProtocolSubscription;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A classic group: its state, generation, members and committed offsets.
 *
 * <p>Concurrency: not thread-safe. Every field is guarded by the group's own monitor ({@code synchronized (group)});
 * callers take it for every read and write. A group that left its coordinator (deleted, expired or its partition
 * unloaded) is {@link GroupState#DEAD} and is never reused.
 */
final class ClassicGroup {
    static final String CONSUMER_PROTOCOL_TYPE = "consumer";
    private static final Logger log = LoggerFactory.getLogger(ClassicGroup.class);

    final String groupId;
    final int partition;
    private GroupState state;
    long currentStateTimestampMs;
    int generationId;
    Optional<String> protocolType = Optional.empty();
    Optional<String> protocolName = Optional.empty();
    Optional<String> leaderId = Optional.empty();
    /** Topics the members subscribe to in the current generation, empty when unknown (not a consumer group). */
    Optional<Set<String>> subscribedTopics = Optional.empty();

    final Map<String, GroupMember> members = new LinkedHashMap<>();
    final Map<String, String> staticMembers = new HashMap<>();
    /** Member ids handed out with MEMBER_ID_REQUIRED that have not joined yet, with their expiry timers. */
    final Map<String, GroupScheduler.Cancellable> pendingMembers = new HashMap<>();
    /** Members of the current generation that have not sent SyncGroup yet. */
    final Set<String> pendingSyncMembers = new HashSet<>();

    int numMembersAwaitingJoin;
    boolean newMemberAdded;
    /** Incremented on every state change, so stale timers recognise themselves. */
    long stateSequence;

    GroupScheduler.Cancellable rebalanceTimer;
    /** True while the first rebalance of an empty group waits {@code group.initial.rebalance.delay.ms}. */
    boolean initialDelay;
    /** Removes members that did not send SyncGroup in time; survives the move to Stable. */
    GroupScheduler.Cancellable syncTimer;
    /** Set once the group is {@link GroupState#DEAD}; readable without the group's lock. */
    volatile boolean dead;

    final Map<TopicPartition, CommittedOffset> offsets = new HashMap<>();
    /** Commits being written, per partition, which retention must not expire underneath. */
    final Map<TopicPartition, Integer> pendingOffsetCommits = new HashMap<>();
    /**
     * Commits are written in the order they are accepted (one writer, one log), but their acks=all completions may
     * arrive in any order: each accepted commit takes the next sequence number, and a completion only replaces a
     * partition's offset written by an earlier commit (as Kafka compares the commit records' log offsets).
     */
    long nextCommitSequence = 1;

    final Map<TopicPartition, Long> committedSequence = new HashMap<>();

    ClassicGroup(String groupId, int partition, GroupState initial, long nowMs) {
        this.groupId = groupId;
        this.partition = partition;
        this.state = initial;
        this.currentStateTimestampMs = nowMs;
    }

    GroupState state() {
        return state;
    }

    boolean is(GroupState expected) {
        return state == expected;
    }

    void transitionTo(GroupState next, long nowMs) {
        if (!next.validPrevious().contains(state)) {
            throw new IllegalStateException(
                    "group " + groupId + " cannot move from " + state.label() + " to " + next.label());
        }
        log.debug("Group {} moves from {} to {} (generation {})", groupId, state.label(), next.label(), generationId);
        state = next;
        dead = next == GroupState.DEAD;
        currentStateTimestampMs = nowMs;
        stateSequence++;
        cancelRebalanceTimer();
    }

    void cancelRebalanceTimer() {
        if (rebalanceTimer != null) {
            rebalanceTimer.cancel();
            rebalanceTimer = null;
        }
    }

    boolean canRebalance() {
        return state == GroupState.STABLE || state == GroupState.COMPLETING_REBALANCE || state == GroupState.EMPTY;
    }

    boolean isLeader(String memberId) {
        return leaderId.isPresent() && leaderId.get().equals(memberId);
    }

    boolean has(String memberId) {
        return members.containsKey(memberId);
    }

    boolean isPendingMember(String memberId) {
        return pendingMembers.containsKey(memberId);
    }

    /** True when a static member id is given and the instance id belongs to another member id. */
    boolean isStaticMemberFenced(Optional<String> groupInstanceId, String memberId) {
        if (groupInstanceId.isEmpty()) {
            return false;
        }
        String current = staticMembers.get(groupInstanceId.get());
        return current != null && !current.equals(memberId);
    }

    void add(GroupMember member) {
        if (members.isEmpty()) {
            protocolType = Optional.of(member.protocolType);
        }
        members.put(member.memberId, member);
        member.groupInstanceId.ifPresent(id -> staticMembers.put(id, member.memberId));
        if (leaderId.isEmpty()) {
            leaderId = Optional.of(member.memberId);
        }
        if (member.isAwaitingJoin()) {
            numMembersAwaitingJoin++;
        }
    }

    void remove(String memberId) {
        GroupMember member = members.remove(memberId);
        if (member == null) {
            return;
        }
        member.cancelHeartbeat();
        member.groupInstanceId.ifPresent(id -> staticMembers.remove(id, memberId));
        if (member.isAwaitingJoin()) {
            numMembersAwaitingJoin--;
        }
        pendingSyncMembers.remove(memberId);
        if (isLeader(memberId)) {
            leaderId = members.keySet().stream().findFirst();
        }
    }

    /** Gives a static member's place, assignment and sync state to {@code replacement} (a new member id). */
    void replaceStaticMember(String oldMemberId, GroupMember replacement) {
        Map<String, GroupMember> reordered = new LinkedHashMap<>();
        GroupMember old = null;
        for (GroupMember member : members.values()) {
            if (member.memberId.equals(oldMemberId)) {
                old = member;
                reordered.put(replacement.memberId, replacement);
            } else {
                reordered.put(member.memberId, member);
            }
        }
        if (old == null) {
            throw new IllegalStateException("group " + groupId + " has no member " + oldMemberId);
        }
        old.cancelHeartbeat();
        if (old.isAwaitingJoin()) {
            numMembersAwaitingJoin--;
        }
        members.clear();
        members.putAll(reordered);
        replacement.groupInstanceId.ifPresent(id -> staticMembers.put(id, replacement.memberId));
        if (isLeader(oldMemberId)) {
            leaderId = Optional.of(replacement.memberId);
        }
        if (pendingSyncMembers.remove(oldMemberId)) {
            pendingSyncMembers.add(replacement.memberId);
        }
        if (replacement.isAwaitingJoin()) {
            numMembersAwaitingJoin++;
        }
    }

    /** Replaces the awaiting-join future of {@code member}, keeping the count of waiting members. */
    void setAwaitingJoin(GroupMember member, CompletableFuture<JoinResult> future) {
        if (future != null && !member.isAwaitingJoin()) {
            numMembersAwaitingJoin++;
        } else if (future == null && member.isAwaitingJoin()) {
            numMembersAwaitingJoin--;
        }
        member.awaitingJoin = future;
    }

    /** Completes {@code member}'s pending join, if any, with {@code result}. */
    void completeJoin(GroupMember member, JoinResult result) {
        var future = member.awaitingJoin;
        if (future != null) {
            setAwaitingJoin(member, null);
            future.complete(result);
        }
    }

    /** Completes {@code member}'s pending sync, if any, with {@code result}. */
    void completeSync(GroupMember member, SyncResult result) {
        var future = member.awaitingSync;
        if (future != null) {
            member.awaitingSync = null;
            future.complete(result);
        }
    }

    boolean hasAllMembersJoined() {
        return members.size() == numMembersAwaitingJoin && pendingMembers.isEmpty();
    }

    /** The largest rebalance timeout of the members: how long a rebalance waits for them to rejoin. */
    int rebalanceTimeoutMs() {
        int timeout = 0;
        for (GroupMember member : members.values()) {
            timeout = Math.max(timeout, member.rebalanceTimeoutMs);
        }
        return timeout;
    }

    /** Protocols supported by every member, in no particular order. */
    Set<String> candidateProtocols() {
        Set<String> candidates = null;
        for (GroupMember member : members.values()) {
            if (candidates == null) {
                candidates = new LinkedHashSet<>(member.protocols.keySet());
            } else {
                candidates.retainAll(member.protocols.keySet());
            }
        }
        return candidates == null ? Set.of() : candidates;
    }

    /** Whether a member of {@code type} supporting {@code protocols} may join. */
    boolean supportsProtocols(String type, Collection<String> protocols) {
        if (members.isEmpty()) {
            return !type.isEmpty() && !protocols.isEmpty();
        }
        if (protocolType.isEmpty() || !protocolType.get().equals(type)) {
            return false;
        }
        Set<String> candidates = candidateProtocols();
        for (String protocol : protocols) {
            if (candidates.contains(protocol)) {
                return true;
            }
        }
        return false;
    }

    /** The protocol most members prefer among those all support; ties go to the earliest-joined member's order. */
    String selectProtocol() {
        Set<String> candidates = candidateProtocols();
        Map<String, Integer> votes = new LinkedHashMap<>();
        for (GroupMember member : members.values()) {
            votes.merge(member.vote(candidates), 1, Integer::sum);
        }
        String best = null;
        for (Map.Entry<String, Integer> vote : votes.entrySet()) {
            if (best == null || vote.getValue() > votes.get(best)) {
                best = vote.getKey();
            }
        }
        if (best == null) {
            throw new IllegalStateException("group " + groupId + " has no members to select a protocol");
        }
        return best;
    }

    /**
     * Moves to the next generation after a rebalance: CompletingRebalance with the selected protocol, or Empty when
     * no member is left.
     */
    void initNextGeneration(long nowMs) {
        generationId++;
        if (!members.isEmpty()) {
            protocolName = Optional.of(selectProtocol());
            subscribedTopics = computeSubscribedTopics();
            transitionTo(GroupState.COMPLETING_REBALANCE, nowMs);
        } else {
            protocolName = Optional.empty();
            subscribedTopics = computeSubscribedTopics();
            transitionTo(GroupState.EMPTY, nowMs);
        }
        newMemberAdded = false;
    }

    /** The union of the members' subscriptions when the group speaks the consumer protocol and all parse. */
    Optional<Set<String>> computeSubscribedTopics() {
        if (!protocolType.map(CONSUMER_PROTOCOL_TYPE::equals).orElse(false) || protocolName.isEmpty()) {
            return Optional.empty();
        }
        if (members.isEmpty()) {
            return Optional.of(Set.of());
        }
        Set<String> topics = new HashSet<>();
        for (GroupMember member : members.values()) {
            byte[] metadata = member.metadata(protocolName.get());
            try {
                ByteBuffer buffer = ByteBuffer.wrap(metadata);
                short version = buffer.getShort();
                ConsumerProtocolSubscription subscription =
                        new ConsumerProtocolSubscription(new ByteBufferAccessor(buffer), (short)
                                Math.min(version, ConsumerProtocolSubscription.HIGHEST_SUPPORTED_VERSION));
                topics.addAll(subscription.topics());
            } catch (RuntimeException e) {
                log.warn(
                        "Group {}: cannot parse the subscription of member {}: {}",
                        groupId,
                        member.memberId,
                        e.toString());
                return Optional.empty();
            }
        }
        return Optional.of(topics);
    }

    /** Whether the group may be consuming {@code topic} (true when its subscriptions are unknown). */
    boolean isSubscribedTo(String topic) {
        return subscribedTopics.map(topics -> topics.contains(topic)).orElse(true);
    }

    /** The members as the leader sees them, with their metadata for the selected protocol. */
    List<JoinResult.Member> memberMetadata() {
        List<JoinResult.Member> result = new ArrayList<>();
        for (GroupMember member : members.values()) {
            result.add(new JoinResult.Member(
                    member.memberId, member.groupInstanceId, member.metadata(protocolName.orElse(null))));
        }
        return result;
    }

    /** The group as it is written to {@value OffsetsTopic#NAME}. */
    StoredGroup toStored() {
        return toStored(null);
    }

    /** The group as it is written, with {@code assignments} instead of the members' current ones when not null. */
    StoredGroup toStored(Map<String, byte[]> assignments) {
        List<StoredMember> stored = new ArrayList<>();
        for (GroupMember member : members.values()) {
            stored.add(new StoredMember(
                    member.memberId,
                    member.groupInstanceId,
                    member.clientId,
                    member.clientHost,
                    member.rebalanceTimeoutMs,
                    member.sessionTimeoutMs,
                    member.metadata(protocolName.orElse(null)),
                    assignments == null
                            ? member.assignment
                            : assignments.getOrDefault(member.memberId, GroupMember.EMPTY)));
        }
        return new StoredGroup(
                groupId,
                protocolType.orElse(""),
                generationId,
                protocolName,
                leaderId,
                currentStateTimestampMs,
                stored);
    }

    /** Restores a group from its stored record: Stable when it has members, else Empty. */
    static ClassicGroup fromStored(StoredGroup stored, int partition, long nowMs) {
        GroupState state = stored.members().isEmpty() ? GroupState.EMPTY : GroupState.STABLE;
        ClassicGroup group = new ClassicGroup(stored.groupId(), partition, state, stored.currentStateTimestampMs());
        group.generationId = stored.generationId();
        group.protocolType = stored.protocolType().isEmpty() ? Optional.empty() : Optional.of(stored.protocolType());
        group.protocolName = stored.protocolName();
        for (StoredMember m : stored.members()) {
            Map<String, byte[]> protocols = new LinkedHashMap<>();
            protocols.put(stored.protocolName().orElse(""), m.subscription());
            GroupMember member = new GroupMember(
                    m.memberId(),
                    m.groupInstanceId(),
                    m.clientId(),
                    m.clientHost(),
                    m.rebalanceTimeoutMs(),
                    m.sessionTimeoutMs(),
                    stored.protocolType(),
                    protocols);
            member.assignment = m.assignment();
            group.add(member);
        }
        group.leaderId = stored.leaderId().filter(group.members::containsKey).or(() -> group.leaderId);
        group.subscribedTopics = group.computeSubscribedTopics();
        return group;
    }

    /** Visits every member (a copy, so the visitor may remove members). */
    void forEachMember(BiConsumer<String, GroupMember> visitor) {
        for (GroupMember member : List.copyOf(members.values())) {
            visitor.accept(member.memberId, member);
        }
    }
}
