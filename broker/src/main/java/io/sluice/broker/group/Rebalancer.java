package io.sluice.broker.group;

import io.sluice.broker.group.GroupResults.LeaveResult;
import io.sluice.broker.group.GroupResults.LeavingMember;
import io.sluice.broker.group.GroupResults.MemberLeave;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classic rebalance protocol after a join ({@link GroupJoiner}): the rebalance phases, SyncGroup, Heartbeat,
 * LeaveGroup, and the timers behind them (session expiry, the rebalance timeout, the initial-join delay, the
 * pending-sync timeout), following Kafka's {@code GroupCoordinator}.
 *
 * <p>Concurrency: stateless itself; every method takes the lock of the group it works on, timers and store
 * completions re-take it and check (by state sequence, generation or member identity) that they are not stale.
 */
final class Rebalancer {
    /** How long a new member may wait in its first JoinGroup before it is dropped, as Kafka. */
    static final int NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;

    private static final Logger log = LoggerFactory.getLogger(Rebalancer.class);

    private final GroupCoordinator coordinator;

    Rebalancer(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    // ---- rebalance

    static JoinResult currentGeneration(
            ClassicGroup group, String memberId, boolean withMembers, boolean skipAssignment, String leaderId) {
        return new JoinResult(
                Errors.NONE,
                memberId,
                group.generationId,
                group.protocolType,
                group.protocolName,
                leaderId != null ? leaderId : group.leaderId.orElse(""),
                skipAssignment,
                withMembers ? group.memberMetadata() : List.of());
    }

    void maybePrepareRebalance(ClassicGroup group, String reason) {
        if (group.canRebalance()) {
            prepareRebalance(group, reason);
        }
    }

    void prepareRebalance(ClassicGroup group, String reason) {
        if (group.is(GroupState.COMPLETING_REBALANCE)) {
            resetAndPropagateAssignmentError(group, Errors.REBALANCE_IN_PROGRESS);
        }
        cancelSyncTimer(group);
        boolean fromEmpty = group.is(GroupState.EMPTY);
        group.transitionTo(GroupState.PREPARING_REBALANCE, coordinator.now());
        long sequence = group.stateSequence;
        int delay = coordinator.config.initialRebalanceDelayMs();
        log.info(
                "{}Group {}: preparing to rebalance in generation {} ({})",
                coordinator.logPrefix,
                group.groupId,
                group.generationId,
                reason);
        if (fromEmpty && delay > 0) {
            group.initialDelay = true;
            scheduleInitialDelay(group, sequence, delay, Math.max(group.rebalanceTimeoutMs() - delay, 0));
        } else {
            group.initialDelay = false;
            group.rebalanceTimer = coordinator.scheduler.schedule(
                    group.rebalanceTimeoutMs(), () -> rebalanceTimedOut(group, sequence));
            tryCompleteJoin(group);
        }
    }

    private void scheduleInitialDelay(ClassicGroup group, long sequence, long delayMs, long remainingMs) {
        group.rebalanceTimer = coordinator.scheduler.schedule(delayMs, () -> {
            synchronized (group) {
                if (group.stateSequence != sequence || !group.is(GroupState.PREPARING_REBALANCE)) {
                    return;
                }
                if (group.newMemberAdded && remainingMs != 0) {
                    group.newMemberAdded = false;
                    long delay = Math.min(coordinator.config.initialRebalanceDelayMs(), remainingMs);
                    scheduleInitialDelay(group, sequence, delay, Math.max(remainingMs - delay, 0));
                } else {
                    completeJoin(group);
                }
            }
        });
    }

    private void rebalanceTimedOut(ClassicGroup group, long sequence) {
        synchronized (group) {
            if (group.stateSequence == sequence && group.is(GroupState.PREPARING_REBALANCE)) {
                completeJoin(group);
            }
        }
    }

    void tryCompleteJoin(ClassicGroup group) {
        if (group.is(GroupState.PREPARING_REBALANCE) && !group.initialDelay && group.hasAllMembersJoined()) {
            completeJoin(group);
        }
    }

    /** Ends the join phase: drops dynamic members that did not rejoin and starts the next generation. */
    private void completeJoin(ClassicGroup group) {
        group.cancelRebalanceTimer();
        group.initialDelay = false;
        group.forEachMember((memberId, member) -> {
            if (!member.isAwaitingJoin() && !member.isStatic()) {
                log.info(
                        "{}Group {}: removing member {} that did not rejoin in time",
                        coordinator.logPrefix,
                        group.groupId,
                        memberId);
                group.completeSync(member, SyncResult.error(Errors.UNKNOWN_MEMBER_ID));
                group.remove(memberId);
            }
        });
        if (!electJoinedLeader(group) && !group.members.isEmpty()) {
            long sequence = group.stateSequence;
            group.rebalanceTimer = coordinator.scheduler.schedule(
                    group.rebalanceTimeoutMs(), () -> rebalanceTimedOut(group, sequence));
            return;
        }
        group.initNextGeneration(coordinator.now());
        if (group.is(GroupState.EMPTY)) {
            log.info("{}Group {} is empty in generation {}", coordinator.logPrefix, group.groupId, group.generationId);
            coordinator.store.storeGroup(group.partition, group.toStored()).whenComplete((error, failure) -> {
                if (failure != null || error != Errors.NONE) {
                    log.warn(
                            "{}Group {}: cannot store the empty generation: {}",
                            coordinator.logPrefix,
                            group.groupId,
                            failure != null ? failure.toString() : error);
                }
            });
            return;
        }
        log.info(
                "{}Group {}: generation {} with {} members, protocol {}",
                coordinator.logPrefix,
                group.groupId,
                group.generationId,
                group.members.size(),
                group.protocolName.orElse(""));
        group.forEachMember((memberId, member) -> {
            group.completeJoin(member, currentGeneration(group, memberId, group.isLeader(memberId), false, null));
            scheduleHeartbeat(group, member, member.sessionTimeoutMs);
            member.isNew = false;
            group.pendingSyncMembers.add(memberId);
        });
        int generation = group.generationId;
        group.syncTimer =
                coordinator.scheduler.schedule(group.rebalanceTimeoutMs(), () -> syncTimedOut(group, generation));
    }

    private boolean electJoinedLeader(ClassicGroup group) {
        GroupMember leader = group.leaderId.map(group.members::get).orElse(null);
        if (leader != null && leader.isAwaitingJoin()) {
            return true;
        }
        for (GroupMember member : group.members.values()) {
            if (member.isAwaitingJoin()) {
                group.leaderId = Optional.of(member.memberId);
                return true;
            }
        }
        return false;
    }

    private void syncTimedOut(ClassicGroup group, int generation) {
        synchronized (group) {
            boolean syncing = group.is(GroupState.COMPLETING_REBALANCE) || group.is(GroupState.STABLE);
            if (!syncing || group.generationId != generation || group.pendingSyncMembers.isEmpty()) {
                return;
            }
            List<String> late = new ArrayList<>(group.pendingSyncMembers);
            log.info(
                    "{}Group {}: removing members {} that did not sync in time",
                    coordinator.logPrefix,
                    group.groupId,
                    late);
            for (String memberId : late) {
                group.remove(memberId);
            }
            group.pendingSyncMembers.clear();
            prepareRebalance(group, "members did not sync in time");
        }
    }

    private void cancelSyncTimer(ClassicGroup group) {
        if (group.syncTimer != null) {
            group.syncTimer.cancel();
            group.syncTimer = null;
        }
    }

    private void resetAndPropagateAssignmentError(ClassicGroup group, Errors error) {
        for (GroupMember member : group.members.values()) {
            member.assignment = GroupMember.EMPTY;
            group.completeSync(member, SyncResult.error(error));
        }
    }

    // ---- SyncGroup

    CompletableFuture<SyncResult> sync(
            String groupId,
            String memberId,
            Optional<String> groupInstanceId,
            int generationId,
            Optional<String> protocolType,
            Optional<String> protocolName,
            Map<String, byte[]> assignments) {
        if (groupId.isEmpty()) {
            return done(SyncResult.error(Errors.INVALID_GROUP_ID));
        }
        GroupCoordinator.Route route = coordinator.route(groupId, false);
        if (route.error() != Errors.NONE) {
            return done(SyncResult.error(route.error()));
        }
        ClassicGroup group = route.group();
        if (group == null) {
            return done(SyncResult.error(Errors.UNKNOWN_MEMBER_ID));
        }
        CompletableFuture<SyncResult> future = new CompletableFuture<>();
        synchronized (group) {
            Errors error = validateMember(group, memberId, groupInstanceId);
            if (group.is(GroupState.DEAD)) {
                error = Errors.COORDINATOR_NOT_AVAILABLE;
            } else if (error == Errors.NONE && generationId != group.generationId) {
                error = Errors.ILLEGAL_GENERATION;
            } else if (error == Errors.NONE
                    && (protocolType.isPresent() && !protocolType.equals(group.protocolType)
                            || protocolName.isPresent() && !protocolName.equals(group.protocolName))) {
                error = Errors.INCONSISTENT_GROUP_PROTOCOL;
            }
            if (error != Errors.NONE) {
                return done(SyncResult.error(error));
            }
            GroupMember member = group.members.get(memberId);
            switch (group.state()) {
                case EMPTY -> future.complete(SyncResult.error(Errors.UNKNOWN_MEMBER_ID));
                case PREPARING_REBALANCE -> future.complete(SyncResult.error(Errors.REBALANCE_IN_PROGRESS));
                case COMPLETING_REBALANCE -> {
                    group.completeSync(member, SyncResult.error(Errors.REBALANCE_IN_PROGRESS));
                    member.awaitingSync = future;
                    group.pendingSyncMembers.remove(memberId);
                    scheduleHeartbeat(group, member, member.sessionTimeoutMs);
                    if (group.isLeader(memberId)) {
                        storeAssignment(group, new HashMap<>(assignments));
                    }
                }
                case STABLE -> {
                    group.pendingSyncMembers.remove(memberId);
                    scheduleHeartbeat(group, member, member.sessionTimeoutMs);
                    future.complete(
                            new SyncResult(Errors.NONE, group.protocolType, group.protocolName, member.assignment));
                }
                case DEAD -> future.complete(SyncResult.error(Errors.COORDINATOR_NOT_AVAILABLE));
            }
        }
        return future;
    }

    private void storeAssignment(ClassicGroup group, Map<String, byte[]> assignments) {
        int generation = group.generationId;
        coordinator
                .store
                .storeGroup(group.partition, group.toStored(assignments))
                .whenComplete((stored, failure) -> {
                    synchronized (group) {
                        if (!group.is(GroupState.COMPLETING_REBALANCE) || group.generationId != generation) {
                            return;
                        }
                        Errors error = StoreErrors.forGroup(StoreErrors.of(stored, failure));
                        if (error != Errors.NONE) {
                            log.warn(
                                    "{}Group {}: cannot store the assignment of generation {}: {}",
                                    coordinator.logPrefix,
                                    group.groupId,
                                    generation,
                                    error);
                            resetAndPropagateAssignmentError(group, error);
                            maybePrepareRebalance(group, "the assignment could not be stored");
                            return;
                        }
                        for (GroupMember member : group.members.values()) {
                            member.assignment = assignments.getOrDefault(member.memberId, GroupMember.EMPTY);
                        }
                        for (GroupMember member : group.members.values()) {
                            group.completeSync(
                                    member,
                                    new SyncResult(
                                            Errors.NONE, group.protocolType, group.protocolName, member.assignment));
                        }
                        group.transitionTo(GroupState.STABLE, coordinator.now());
                        log.info(
                                "{}Group {} is stable in generation {}",
                                coordinator.logPrefix,
                                group.groupId,
                                generation);
                    }
                });
    }

    // ---- Heartbeat and LeaveGroup

    Errors heartbeat(String groupId, String memberId, Optional<String> groupInstanceId, int generationId) {
        if (groupId.isEmpty()) {
            return Errors.INVALID_GROUP_ID;
        }
        GroupCoordinator.Route route = coordinator.route(groupId, false);
        if (route.error() != Errors.NONE) {
            return route.error();
        }
        ClassicGroup group = route.group();
        if (group == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        synchronized (group) {
            if (group.is(GroupState.DEAD)) {
                return Errors.COORDINATOR_NOT_AVAILABLE;
            }
            Errors invalid = validateMember(group, memberId, groupInstanceId);
            if (invalid != Errors.NONE) {
                return invalid;
            }
            GroupMember member = group.members.get(memberId);
            return switch (group.state()) {
                case EMPTY, DEAD -> Errors.UNKNOWN_MEMBER_ID;
                case PREPARING_REBALANCE -> {
                    scheduleHeartbeat(group, member, member.sessionTimeoutMs);
                    yield Errors.REBALANCE_IN_PROGRESS;
                }
                case COMPLETING_REBALANCE, STABLE -> {
                    if (generationId != group.generationId) {
                        yield Errors.ILLEGAL_GENERATION;
                    }
                    scheduleHeartbeat(group, member, member.sessionTimeoutMs);
                    yield Errors.NONE;
                }
            };
        }
    }

    LeaveResult leave(String groupId, List<LeavingMember> leaving) {
        if (groupId.isEmpty()) {
            return new LeaveResult(Errors.INVALID_GROUP_ID, List.of());
        }
        GroupCoordinator.Route route = coordinator.route(groupId, false);
        if (route.error() != Errors.NONE) {
            return new LeaveResult(route.error(), List.of());
        }
        ClassicGroup group = route.group();
        List<MemberLeave> results = new ArrayList<>();
        if (group == null) {
            leaving.forEach(m -> results.add(GroupCoordinator.leave(m, Errors.UNKNOWN_MEMBER_ID)));
            return new LeaveResult(Errors.NONE, results);
        }
        synchronized (group) {
            if (group.is(GroupState.DEAD)) {
                return new LeaveResult(Errors.COORDINATOR_NOT_AVAILABLE, List.of());
            }
            for (LeavingMember m : leaving) {
                results.add(GroupCoordinator.leave(m, leaveOne(group, m)));
            }
        }
        return new LeaveResult(Errors.NONE, results);
    }

    private Errors leaveOne(ClassicGroup group, LeavingMember leaving) {
        String memberId = leaving.memberId();
        if (memberId.isEmpty()) {
            String staticId =
                    leaving.groupInstanceId().map(group.staticMembers::get).orElse(null);
            if (staticId == null) {
                return Errors.UNKNOWN_MEMBER_ID;
            }
            removeMemberAndUpdateGroup(group, group.members.get(staticId), "static member left");
            return Errors.NONE;
        }
        GroupScheduler.Cancellable pending = group.pendingMembers.remove(memberId);
        if (pending != null) {
            pending.cancel();
            tryCompleteJoin(group);
            return Errors.NONE;
        }
        Errors invalid = validateMember(group, memberId, leaving.groupInstanceId());
        if (invalid != Errors.NONE) {
            return invalid;
        }
        removeMemberAndUpdateGroup(group, group.members.get(memberId), "member left");
        return Errors.NONE;
    }

    // ---- members and timers

    /** FENCED_INSTANCE_ID when the instance id belongs to another member, UNKNOWN_MEMBER_ID when unknown. */
    static Errors validateMember(ClassicGroup group, String memberId, Optional<String> groupInstanceId) {
        if (group.isStaticMemberFenced(groupInstanceId, memberId)) {
            return Errors.FENCED_INSTANCE_ID;
        }
        return group.has(memberId) ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
    }

    void scheduleHeartbeat(ClassicGroup group, GroupMember member, long timeoutMs) {
        member.cancelHeartbeat();
        long sequence = ++member.heartbeatSequence;
        member.heartbeatTimer =
                coordinator.scheduler.schedule(timeoutMs, () -> heartbeatExpired(group, member, sequence));
    }

    private void heartbeatExpired(ClassicGroup group, GroupMember member, long sequence) {
        synchronized (group) {
            if (group.members.get(member.memberId) != member || member.heartbeatSequence != sequence) {
                return;
            }
            if (!member.isNew && (member.isAwaitingJoin() || member.isAwaitingSync())) {
                scheduleHeartbeat(group, member, member.sessionTimeoutMs);
                return;
            }
            log.info(
                    "{}Group {}: member {} expired (no heartbeat within {} ms)",
                    coordinator.logPrefix,
                    group.groupId,
                    member.memberId,
                    member.isNew ? NEW_MEMBER_JOIN_TIMEOUT_MS : member.sessionTimeoutMs);
            removeMemberAndUpdateGroup(group, member, "member " + member.memberId + " expired");
        }
    }

    void expirePendingMember(ClassicGroup group, String memberId) {
        synchronized (group) {
            if (group.pendingMembers.remove(memberId) != null) {
                tryCompleteJoin(group);
            }
        }
    }

    void removeMemberAndUpdateGroup(ClassicGroup group, GroupMember member, String reason) {
        group.completeJoin(member, JoinResult.error(member.memberId, Errors.UNKNOWN_MEMBER_ID));
        group.completeSync(member, SyncResult.error(Errors.UNKNOWN_MEMBER_ID));
        group.remove(member.memberId);
        switch (group.state()) {
            case STABLE, COMPLETING_REBALANCE -> maybePrepareRebalance(group, reason);
            case PREPARING_REBALANCE -> tryCompleteJoin(group);
            case EMPTY, DEAD -> {}
        }
    }

    /** Schedules session expiry for the members of a group just loaded (they resume at its stored generation). */
    void resumeLoaded(ClassicGroup group) {
        synchronized (group) {
            for (GroupMember member : group.members.values()) {
                scheduleHeartbeat(group, member, member.sessionTimeoutMs);
            }
        }
    }

    /** Drops a group leaving this coordinator: pending requests get NOT_COORDINATOR, timers stop. */
    void unload(ClassicGroup group) {
        synchronized (group) {
            for (GroupMember member : group.members.values()) {
                group.completeJoin(member, JoinResult.error(member.memberId, Errors.NOT_COORDINATOR));
                group.completeSync(member, SyncResult.error(Errors.NOT_COORDINATOR));
                member.cancelHeartbeat();
            }
            group.pendingMembers.values().forEach(GroupScheduler.Cancellable::cancel);
            group.pendingMembers.clear();
            cancelSyncTimer(group);
            group.transitionTo(GroupState.DEAD, coordinator.now());
        }
    }

    static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
