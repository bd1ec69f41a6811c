package io.sluice.broker.group;

import io.sluice.broker.group.GroupResults.DescribedGroup;
import io.sluice.broker.group.GroupResults.DescribedMember;
import io.sluice.broker.group.GroupResults.ListResult;
import io.sluice.broker.group.GroupResults.ListedGroup;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * The admin side of groups: DescribeGroups, ListGroups and DeleteGroups.
 *
 * <p>Concurrency: stateless itself; reads and changes each group under its lock.
 */
final class GroupAdmin {
    /** The only group type this coordinator has (ListGroups v5 types filter). */
    static final String CLASSIC_TYPE = "classic";

    private final GroupCoordinator coordinator;

    GroupAdmin(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    DescribedGroup describe(String groupId) {
        GroupCoordinator.Route route = coordinator.route(groupId, false);
        if (route.error() != Errors.NONE) {
            return new DescribedGroup(groupId, route.error(), GroupState.DEAD, "", "", List.of());
        }
        ClassicGroup group = route.group();
        if (group == null) {
            return new DescribedGroup(groupId, Errors.NONE, GroupState.DEAD, "", "", List.of());
        }
        synchronized (group) {
            boolean stable = group.is(GroupState.STABLE);
            List<DescribedMember> members = new ArrayList<>();
            for (GroupMember member : group.members.values()) {
                members.add(new DescribedMember(
                        member.memberId,
                        member.groupInstanceId,
                        member.clientId,
                        member.clientHost,
                        stable ? member.metadata(group.protocolName.orElse(null)) : GroupMember.EMPTY,
                        stable ? member.assignment : GroupMember.EMPTY));
            }
            return new DescribedGroup(
                    groupId,
                    Errors.NONE,
                    group.state(),
                    group.protocolType.orElse(""),
                    stable ? group.protocolName.orElse("") : "",
                    members);
        }
    }

    ListResult list(Set<String> states, Set<String> types) {
        Set<String> lowerTypes =
                types.stream().map(t -> t.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        boolean[] loading = new boolean[1];
        List<ListedGroup> listed = new ArrayList<>();
        if (lowerTypes.isEmpty() || lowerTypes.contains(CLASSIC_TYPE)) {
            Set<GroupState> wanted = states.stream()
                    .map(GroupState::ofLabel)
                    .filter(Objects::nonNull)
                    .collect(Collectors.toSet());
            for (ClassicGroup group : coordinator.snapshot(loading)) {
                synchronized (group) {
                    if (group.is(GroupState.DEAD) || !states.isEmpty() && !wanted.contains(group.state())) {
                        continue;
                    }
                    listed.add(new ListedGroup(group.groupId, group.protocolType.orElse(""), group.state()));
                }
            }
        } else {
            coordinator.snapshot(loading);
        }
        return new ListResult(loading[0] ? Errors.COORDINATOR_LOAD_IN_PROGRESS : Errors.NONE, listed);
    }

    CompletableFuture<Map<String, Errors>> delete(List<String> groupIds) {
        Map<String, CompletableFuture<Errors>> pending = new LinkedHashMap<>();
        for (String groupId : groupIds) {
            pending.put(groupId, deleteOne(groupId));
        }
        return CompletableFuture.allOf(pending.values().toArray(CompletableFuture[]::new))
                .thenApply(ignored -> {
                    Map<String, Errors> result = new LinkedHashMap<>();
                    pending.forEach((groupId, future) -> result.put(groupId, future.join()));
                    return result;
                });
    }

    private CompletableFuture<Errors> deleteOne(String groupId) {
        GroupCoordinator.Route route = coordinator.route(groupId, false);
        if (route.error() != Errors.NONE) {
            return CompletableFuture.completedFuture(route.error());
        }
        ClassicGroup group = route.group();
        if (group == null) {
            return CompletableFuture.completedFuture(Errors.GROUP_ID_NOT_FOUND);
        }
        List<TopicPartition> offsets;
        synchronized (group) {
            if (group.is(GroupState.DEAD)) {
                return CompletableFuture.completedFuture(Errors.GROUP_ID_NOT_FOUND);
            }
            if (!group.is(GroupState.EMPTY)) {
                return CompletableFuture.completedFuture(Errors.NON_EMPTY_GROUP);
            }
            group.transitionTo(GroupState.DEAD, coordinator.now());
            offsets = new ArrayList<>(group.offsets.keySet());
            group.offsets.clear();
        }
        coordinator.forget(group);
        return coordinator
                .store
                .delete(group.partition, groupId, offsets, true)
                .handle((stored, failure) -> StoreErrors.forGroup(StoreErrors.of(stored, failure)));
    }
}
