package io.sluice.broker.group;

import io.sluice.broker.group.GroupResults.FetchResult;
import io.sluice.broker.group.GroupResults.OffsetDeleteResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Committed offsets: OffsetCommit (with the generation and member checks of Kafka's classic coordinator), OffsetFetch,
 * OffsetDelete and offset retention.
 *
 * <p>Retention follows Kafka 3.x (KIP-211): offsets of an Empty group expire {@code offsets.retention.minutes} after
 * the group became empty; a Stable consumer group expires only offsets of topics it no longer subscribes to, counted
 * from their commit; a group that only commits offsets (no protocol type) expires each offset from its commit; an
 * explicit expiry (OffsetCommit v1-v4) wins. An Empty group left without offsets is removed (and tombstoned).
 *
 * <p>Concurrency: stateless itself; works under the lock of the group it touches. A commit becomes visible to
 * OffsetFetch only once the store has written it.
 */
final class OffsetManager {
    private static final Logger log = LoggerFactory.getLogger(OffsetManager.class);

    private final GroupCoordinator coordinator;

    OffsetManager(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    CompletableFuture<Map<TopicPartition, Errors>> commit(
            String groupId,
            String memberId,
            Optional<String> groupInstanceId,
            int generationId,
            Map<TopicPartition, CommittedOffset> commits) {
        GroupCoordinator.Route route = coordinator.route(groupId, false);
        if (route.error() == Errors.NONE && route.group() == null && generationId < 0) {
            route = coordinator.route(groupId, true);
        }
        if (route.error() != Errors.NONE) {
            return CompletableFuture.completedFuture(all(commits.keySet(), route.error()));
        }
        ClassicGroup group = route.group();
        if (group == null) {
            return CompletableFuture.completedFuture(all(commits.keySet(), Errors.ILLEGAL_GENERATION));
        }
        synchronized (group) {
            Errors error = Errors.NONE;
            if (group.is(GroupState.DEAD)) {
                error = Errors.COORDINATOR_NOT_AVAILABLE;
            } else if (group.isStaticMemberFenced(groupInstanceId, memberId)) {
                error = Errors.FENCED_INSTANCE_ID;
            } else if (generationId < 0 && group.is(GroupState.EMPTY)) {
                return store(group, commits);
            } else if (group.is(GroupState.COMPLETING_REBALANCE)) {
                error = Errors.REBALANCE_IN_PROGRESS;
            } else if (!group.has(memberId)) {
                error = Errors.UNKNOWN_MEMBER_ID;
            } else if (generationId != group.generationId) {
                error = Errors.ILLEGAL_GENERATION;
            }
            if (error != Errors.NONE) {
                return CompletableFuture.completedFuture(all(commits.keySet(), error));
            }
            return store(group, commits);
        }
    }

    /**
     * The member check of a TxnOffsetCommit (see {@link GroupCoordinator#bufferTransactionalOffsets}); {@code group}
     * null when the group does not exist yet.
     */
    Errors checkTransactionalMember(
            ClassicGroup group, String memberId, Optional<String> groupInstanceId, int generationId) {
        boolean outsider = memberId == null || memberId.isEmpty();
        if (group == null) {
            return outsider ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
        }
        synchronized (group) {
            if (group.is(GroupState.DEAD)) {
                return Errors.COORDINATOR_NOT_AVAILABLE;
            }
            if (group.isStaticMemberFenced(groupInstanceId, memberId)) {
                return Errors.FENCED_INSTANCE_ID;
            }
            if (!outsider && !group.has(memberId)) {
                return Errors.UNKNOWN_MEMBER_ID;
            }
            if (generationId >= 0 && generationId != group.generationId) {
                return Errors.ILLEGAL_GENERATION;
            }
            return Errors.NONE;
        }
    }

    /**
     * Stores the offsets a committed transaction carried (TxnOffsetCommit, materialised by the COMMIT marker): no
     * member or generation check, the transaction coordinator decided.
     */
    CompletableFuture<Map<TopicPartition, Errors>> commitTransactional(
            String groupId, Map<TopicPartition, CommittedOffset> commits) {
        GroupCoordinator.Route route = coordinator.route(groupId, true);
        if (route.error() != Errors.NONE || route.group() == null) {
            return CompletableFuture.completedFuture(all(
                    commits.keySet(), route.error() == Errors.NONE ? Errors.COORDINATOR_NOT_AVAILABLE : route.error()));
        }
        ClassicGroup group = route.group();
        synchronized (group) {
            return store(group, commits);
        }
    }

    /** Writes the valid commits; called under the group's lock. */
    private CompletableFuture<Map<TopicPartition, Errors>> store(
            ClassicGroup group, Map<TopicPartition, CommittedOffset> commits) {
        Map<TopicPartition, Errors> result = new LinkedHashMap<>();
        Map<TopicPartition, CommittedOffset> valid = new LinkedHashMap<>();
        commits.forEach((tp, offset) -> {
            if (offset.metadata().length() > GroupConfig.MAX_METADATA_SIZE) {
                result.put(tp, Errors.OFFSET_METADATA_TOO_LARGE);
            } else {
                valid.put(tp, offset);
            }
        });
        if (valid.isEmpty()) {
            return CompletableFuture.completedFuture(result);
        }
        valid.keySet().forEach(tp -> group.pendingOffsetCommits.merge(tp, 1, Integer::sum));
        long sequence = group.nextCommitSequence++;
        CompletableFuture<Map<TopicPartition, Errors>> answer = new CompletableFuture<>();
        coordinator.store.storeOffsets(group.partition, group.groupId, valid).whenComplete((stored, failure) -> {
            Errors error = StoreErrors.forCommit(StoreErrors.of(stored, failure));
            synchronized (group) {
                valid.keySet()
                        .forEach(tp -> group.pendingOffsetCommits.computeIfPresent(tp, (k, n) -> n > 1 ? n - 1 : null));
                if (error == Errors.NONE && !group.is(GroupState.DEAD)) {
                    valid.forEach((tp, offset) -> {
                        if (group.committedSequence.getOrDefault(tp, 0L) < sequence) {
                            group.committedSequence.put(tp, sequence);
                            group.offsets.put(tp, offset);
                        }
                    });
                } else if (error != Errors.NONE) {
                    log.warn(
                            "{}Group {}: commit of {} partitions failed: {} (store: {})",
                            coordinator.logPrefix,
                            group.groupId,
                            valid.size(),
                            error,
                            failure != null ? failure.toString() : stored);
                }
            }
            valid.keySet().forEach(tp -> result.put(tp, error));
            answer.complete(result);
        });
        return answer;
    }

    FetchResult fetch(String groupId, List<TopicPartition> partitions, boolean requireStable) {
        GroupCoordinator.Route route = coordinator.route(groupId, false);
        if (route.error() != Errors.NONE) {
            return new FetchResult(route.error(), Map.of(), Set.of());
        }
        Map<TopicPartition, CommittedOffset> result = new LinkedHashMap<>();
        ClassicGroup group = route.group();
        if (group == null) {
            if (partitions != null) {
                partitions.forEach(tp -> result.put(tp, null));
            }
            return new FetchResult(Errors.NONE, result, Set.of());
        }
        Set<TopicPartition> unstable = new HashSet<>();
        synchronized (group) {
            boolean dead = group.is(GroupState.DEAD);
            if (partitions == null) {
                if (!dead) {
                    result.putAll(group.offsets);
                }
            } else {
                partitions.forEach(tp -> result.put(tp, dead ? null : group.offsets.get(tp)));
            }
            if (requireStable && !dead) {
                result.keySet().stream()
                        .filter(group.pendingOffsetCommits::containsKey)
                        .forEach(unstable::add);
            }
        }
        return new FetchResult(Errors.NONE, result, unstable);
    }

    CompletableFuture<OffsetDeleteResult> deleteOffsets(String groupId, List<TopicPartition> partitions) {
        if (groupId.isEmpty()) {
            return CompletableFuture.completedFuture(new OffsetDeleteResult(Errors.INVALID_GROUP_ID, Map.of()));
        }
        GroupCoordinator.Route route = coordinator.route(groupId, false);
        if (route.error() != Errors.NONE || route.group() == null) {
            Errors error = route.error() != Errors.NONE ? route.error() : Errors.GROUP_ID_NOT_FOUND;
            return CompletableFuture.completedFuture(new OffsetDeleteResult(error, Map.of()));
        }
        ClassicGroup group = route.group();
        Map<TopicPartition, Errors> result = new LinkedHashMap<>();
        List<TopicPartition> removed = new ArrayList<>();
        synchronized (group) {
            boolean consumerGroup = group.protocolType
                    .map(ClassicGroup.CONSUMER_PROTOCOL_TYPE::equals)
                    .orElse(false);
            switch (group.state()) {
                case DEAD -> {
                    return CompletableFuture.completedFuture(
                            new OffsetDeleteResult(Errors.GROUP_ID_NOT_FOUND, Map.of()));
                }
                case EMPTY -> partitions.forEach(tp -> result.put(tp, Errors.NONE));
                case PREPARING_REBALANCE, COMPLETING_REBALANCE, STABLE -> {
                    if (!consumerGroup) {
                        return CompletableFuture.completedFuture(
                                new OffsetDeleteResult(Errors.NON_EMPTY_GROUP, Map.of()));
                    }
                    partitions.forEach(tp -> result.put(
                            tp, group.isSubscribedTo(tp.topic()) ? Errors.GROUP_SUBSCRIBED_TO_TOPIC : Errors.NONE));
                }
            }
            result.forEach((tp, error) -> {
                if (error == Errors.NONE && group.offsets.remove(tp) != null) {
                    removed.add(tp);
                }
            });
        }
        if (removed.isEmpty()) {
            return CompletableFuture.completedFuture(new OffsetDeleteResult(Errors.NONE, result));
        }
        return coordinator
                .store
                .delete(group.partition, groupId, removed, false)
                .handle((stored, failure) -> {
                    Errors error = StoreErrors.forGroup(StoreErrors.of(stored, failure));
                    return error == Errors.NONE
                            ? new OffsetDeleteResult(Errors.NONE, result)
                            : new OffsetDeleteResult(error, Map.of());
                });
    }

    /** Removes expired offsets and Empty groups left without offsets, writing their tombstones. */
    void expire() {
        long now = coordinator.now();
        long retentionMs = coordinator.config.offsetsRetentionMs();
        int expiredOffsets = 0;
        int removedGroups = 0;
        for (ClassicGroup group : coordinator.snapshot(null)) {
            Set<TopicPartition> expired;
            boolean removeGroup;
            synchronized (group) {
                if (group.is(GroupState.DEAD)) {
                    continue;
                }
                expired = expiredOffsets(group, now, retentionMs);
                expired.forEach(group.offsets::remove);
                removeGroup =
                        group.is(GroupState.EMPTY) && group.offsets.isEmpty() && group.pendingOffsetCommits.isEmpty();
                if (removeGroup) {
                    group.transitionTo(GroupState.DEAD, now);
                }
            }
            if (removeGroup) {
                coordinator.forget(group);
                removedGroups++;
            }
            if (!expired.isEmpty() || removeGroup) {
                expiredOffsets += expired.size();
                coordinator
                        .store
                        .delete(group.partition, group.groupId, expired, removeGroup)
                        .whenComplete((stored, failure) -> {
                            if (failure != null || stored != Errors.NONE) {
                                log.warn(
                                        "{}Group {}: cannot write tombstones of expired offsets: {}",
                                        coordinator.logPrefix,
                                        group.groupId,
                                        failure != null ? failure : stored);
                            }
                        });
            }
        }
        if (expiredOffsets > 0 || removedGroups > 0) {
            log.info(
                    "{}Expired {} offsets and removed {} empty groups",
                    coordinator.logPrefix,
                    expiredOffsets,
                    removedGroups);
        }
    }

    private static Set<TopicPartition> expiredOffsets(ClassicGroup group, long now, long retentionMs) {
        Map<TopicPartition, CommittedOffset> candidates = new HashMap<>();
        Set<String> subscribed = Set.of();
        boolean baseIsStateChange = false;
        if (group.protocolType.isPresent() && group.is(GroupState.EMPTY)) {
            baseIsStateChange = true;
            candidates.putAll(group.offsets);
        } else if (group.protocolType
                        .map(ClassicGroup.CONSUMER_PROTOCOL_TYPE::equals)
                        .orElse(false)
                && group.subscribedTopics.isPresent()
                && group.is(GroupState.STABLE)) {
            subscribed = group.subscribedTopics.get();
            candidates.putAll(group.offsets);
        } else if (group.protocolType.isEmpty()) {
            candidates.putAll(group.offsets);
        }
        Set<TopicPartition> expired = new HashSet<>();
        for (Map.Entry<TopicPartition, CommittedOffset> entry : candidates.entrySet()) {
            TopicPartition tp = entry.getKey();
            CommittedOffset offset = entry.getValue();
            if (subscribed.contains(tp.topic()) || group.pendingOffsetCommits.containsKey(tp)) {
                continue;
            }
            boolean isExpired = offset.expireTimestampMs() >= 0
                    ? now >= offset.expireTimestampMs()
                    : now - (baseIsStateChange ? group.currentStateTimestampMs : offset.commitTimestampMs())
                            >= retentionMs;
            if (isExpired) {
                expired.add(tp);
            }
        }
        return expired;
    }

    static Map<TopicPartition, Errors> all(Iterable<TopicPartition> partitions, Errors error) {
        Map<TopicPartition, Errors> result = new LinkedHashMap<>();
        partitions.forEach(tp -> result.put(tp, error));
        return result;
    }
}
