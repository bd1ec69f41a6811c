package io.sluice.broker.group;

import java.util.LinkedHashMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JoinGroup, as Kafka's classic coordinator answers it: new members (with the {@code MEMBER_ID_REQUIRED} round trip
 * from v4), known members rejoining, static members replacing their previous member id, and the group size limit.
 * The rebalance it starts is run by {@link Rebalancer}.
 *
 * <p>Concurrency: stateless itself; works under the lock of the group it joins (store completions re-take it).
 */
final class GroupJoiner {
    /** How long a new member may wait in its first JoinGroup before it is dropped, as Kafka. */
    static final int NEW_MEMBER_JOIN_TIMEOUT_MS = Rebalancer.NEW_MEMBER_JOIN_TIMEOUT_MS;

    private static final Logger log = LoggerFactory.getLogger(GroupJoiner.class);

    private final GroupCoordinator coordinator;
    private final Rebalancer rebalancer;

    GroupJoiner(GroupCoordinator coordinator, Rebalancer rebalancer) {
        this.coordinator = coordinator;
        this.rebalancer = rebalancer;
    }

    CompletableFuture<JoinResult> join(JoinRequest request) {
        String memberId = request.memberId();
        if (request.groupId().isEmpty()) {
            return Rebalancer.done(JoinResult.error(memberId, Errors.INVALID_GROUP_ID));
        }
        GroupCoordinator.Route route = coordinator.route(request.groupId(), false);
        if (route.error() != Errors.NONE) {
            return Rebalancer.done(JoinResult.error(memberId, route.error()));
        }
        GroupConfig config = coordinator.config;
        if (request.sessionTimeoutMs() < config.minSessionTimeoutMs()
                || request.sessionTimeoutMs() > config.maxSessionTimeoutMs()) {
            return Rebalancer.done(JoinResult.error(memberId, Errors.INVALID_SESSION_TIMEOUT));
        }
        if (route.group() == null && memberId.isEmpty()) {
            route = coordinator.route(request.groupId(), true);
            if (route.error() != Errors.NONE) {
                return Rebalancer.done(JoinResult.error(memberId, route.error()));
            }
        }
        ClassicGroup group = route.group();
        if (group == null) {
            return Rebalancer.done(JoinResult.error(memberId, Errors.UNKNOWN_MEMBER_ID));
        }
        CompletableFuture<JoinResult> future = new CompletableFuture<>();
        synchronized (group) {
            if (group.is(GroupState.DEAD)) {
                future.complete(JoinResult.error(memberId, Errors.COORDINATOR_NOT_AVAILABLE));
            } else if (!acceptJoiningMember(group, memberId)) {
                GroupMember existing = group.members.get(memberId);
                if (existing != null) {
                    rebalancer.removeMemberAndUpdateGroup(group, existing, "the group is full");
                }
                future.complete(JoinResult.error(memberId, Errors.GROUP_MAX_SIZE_REACHED));
            } else if (memberId.isEmpty()) {
                newMemberJoin(group, request, future);
            } else {
                currentMemberJoin(group, request, future);
            }
            if (group.is(GroupState.PREPARING_REBALANCE)) {
                rebalancer.tryCompleteJoin(group);
            }
        }
        return future;
    }

    private boolean acceptJoiningMember(ClassicGroup group, String memberId) {
        int max = coordinator.config.maxSize();
        return switch (group.state()) {
            case EMPTY, DEAD -> true;
            case PREPARING_REBALANCE ->
                (group.has(memberId) && group.members.get(memberId).isAwaitingJoin())
                        || group.numMembersAwaitingJoin < max;
            case COMPLETING_REBALANCE, STABLE -> group.has(memberId) || group.members.size() < max;
        };
    }

    private void newMemberJoin(ClassicGroup group, JoinRequest request, CompletableFuture<JoinResult> future) {
        if (!group.supportsProtocols(request.protocolType(), request.protocols().keySet())) {
            future.complete(JoinResult.error("", Errors.INCONSISTENT_GROUP_PROTOCOL));
            return;
        }
        String newMemberId = request.groupInstanceId().orElse(request.clientId()) + "-" + UUID.randomUUID();
        if (request.groupInstanceId().isPresent()) {
            staticMemberJoin(group, request, newMemberId, future);
        } else if (request.requireKnownMemberId()) {
            group.pendingMembers.put(
                    newMemberId,
                    coordinator.scheduler.schedule(
                            request.sessionTimeoutMs(), () -> rebalancer.expirePendingMember(group, newMemberId)));
            future.complete(JoinResult.error(newMemberId, Errors.MEMBER_ID_REQUIRED));
        } else {
            addMemberAndRebalance(group, request, newMemberId, future);
        }
    }

    private void currentMemberJoin(ClassicGroup group, JoinRequest request, CompletableFuture<JoinResult> future) {
        String memberId = request.memberId();
        if (!group.supportsProtocols(request.protocolType(), request.protocols().keySet())) {
            future.complete(JoinResult.error(memberId, Errors.INCONSISTENT_GROUP_PROTOCOL));
            return;
        }
        if (group.isPendingMember(memberId)) {
            addMemberAndRebalance(group, request, memberId, future);
            return;
        }
        Errors invalid = Rebalancer.validateMember(group, memberId, request.groupInstanceId());
        if (invalid != Errors.NONE) {
            future.complete(JoinResult.error(memberId, invalid));
            return;
        }
        GroupMember member = group.members.get(memberId);
        switch (group.state()) {
            case PREPARING_REBALANCE -> updateMemberAndRebalance(group, member, request, future);
            case COMPLETING_REBALANCE -> {
                if (member.matches(request.protocols())) {
                    future.complete(
                            Rebalancer.currentGeneration(group, memberId, group.isLeader(memberId), false, null));
                } else {
                    updateMemberAndRebalance(group, member, request, future);
                }
            }
            case STABLE -> {
                if (group.isLeader(memberId) || !member.matches(request.protocols())) {
                    updateMemberAndRebalance(group, member, request, future);
                } else {
                    future.complete(Rebalancer.currentGeneration(group, memberId, false, false, null));
                }
            }
            case EMPTY, DEAD -> future.complete(JoinResult.error(memberId, Errors.UNKNOWN_MEMBER_ID));
        }
    }

    private void staticMemberJoin(
            ClassicGroup group, JoinRequest request, String newMemberId, CompletableFuture<JoinResult> future) {
        String instanceId = request.groupInstanceId().orElseThrow();
        String oldMemberId = group.staticMembers.get(instanceId);
        if (oldMemberId == null) {
            addMemberAndRebalance(group, request, newMemberId, future);
            return;
        }
        GroupMember old = group.members.get(oldMemberId);
        String previousLeader = group.leaderId.orElse("");
        GroupMember replacement = new GroupMember(
                newMemberId,
                old.groupInstanceId,
                request.clientId(),
                request.clientHost(),
                request.rebalanceTimeoutMs(),
                request.sessionTimeoutMs(),
                request.protocolType(),
                request.protocols());
        replacement.assignment = old.assignment;
        group.completeJoin(old, JoinResult.error(oldMemberId, Errors.FENCED_INSTANCE_ID));
        group.completeSync(old, SyncResult.error(Errors.FENCED_INSTANCE_ID));
        replacement.awaitingJoin = future;
        group.replaceStaticMember(oldMemberId, replacement);
        rebalancer.scheduleHeartbeat(group, replacement, replacement.sessionTimeoutMs);
        log.info(
                "{}Group {}: static member {} replaced member {} by {}",
                coordinator.logPrefix,
                group.groupId,
                instanceId,
                oldMemberId,
                newMemberId);
        switch (group.state()) {
            case STABLE -> {
                if (group.protocolName.orElse("").equals(group.selectProtocol())) {
                    persistReplacement(group, old, replacement, previousLeader, request.supportSkippingAssignment());
                } else {
                    rebalancer.prepareRebalance(
                            group, "static member " + instanceId + " rejoined with other protocols");
                }
            }
            case COMPLETING_REBALANCE ->
                rebalancer.prepareRebalance(group, "static member " + instanceId + " rejoined");
            case PREPARING_REBALANCE -> {}
            case EMPTY, DEAD -> throw new IllegalStateException("static member in a group without members");
        }
    }

    /** A static member replaced in a Stable group: store the group, then answer with the current generation. */
    private void persistReplacement(
            ClassicGroup group, GroupMember old, GroupMember replacement, String previousLeader, boolean skip) {
        int generation = group.generationId;
        coordinator.store.storeGroup(group.partition, group.toStored()).whenComplete((stored, failure) -> {
            synchronized (group) {
                if (group.members.get(replacement.memberId) != replacement || group.generationId != generation) {
                    return;
                }
                Errors error = StoreErrors.forGroup(StoreErrors.of(stored, failure));
                if (error != Errors.NONE) {
                    group.completeJoin(replacement, JoinResult.error(replacement.memberId, error));
                    group.replaceStaticMember(replacement.memberId, old);
                    rebalancer.scheduleHeartbeat(group, old, old.sessionTimeoutMs);
                    return;
                }
                boolean leader = group.isLeader(replacement.memberId);
                group.completeJoin(
                        replacement,
                        Rebalancer.currentGeneration(
                                group, replacement.memberId, leader && skip, leader && skip, previousLeader));
            }
        });
    }

    private void addMemberAndRebalance(
            ClassicGroup group, JoinRequest request, String memberId, CompletableFuture<JoinResult> future) {
        GroupMember member = new GroupMember(
                memberId,
                request.groupInstanceId(),
                request.clientId(),
                request.clientHost(),
                request.rebalanceTimeoutMs(),
                request.sessionTimeoutMs(),
                request.protocolType(),
                request.protocols());
        member.isNew = true;
        member.awaitingJoin = future;
        group.add(member);
        if (group.is(GroupState.PREPARING_REBALANCE) && group.generationId == 0) {
            group.newMemberAdded = true;
        }
        rebalancer.scheduleHeartbeat(group, member, NEW_MEMBER_JOIN_TIMEOUT_MS);
        GroupScheduler.Cancellable pending = group.pendingMembers.remove(memberId);
        if (pending != null) {
            pending.cancel();
        }
        rebalancer.maybePrepareRebalance(group, "member " + memberId + " joined");
    }

    private void updateMemberAndRebalance(
            ClassicGroup group, GroupMember member, JoinRequest request, CompletableFuture<JoinResult> future) {
        group.completeJoin(member, JoinResult.error(member.memberId, Errors.REBALANCE_IN_PROGRESS));
        member.protocols = new LinkedHashMap<>(request.protocols());
        member.rebalanceTimeoutMs = request.rebalanceTimeoutMs();
        member.sessionTimeoutMs = request.sessionTimeoutMs();
        group.setAwaitingJoin(member, future);
        rebalancer.maybePrepareRebalance(group, "member " + member.memberId + " rejoined");
    }
}
