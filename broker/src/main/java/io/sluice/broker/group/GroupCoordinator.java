package io.sluice.broker.group;

import io.sluice.broker.group.GroupResults.DescribedGroup;
import io.sluice.broker.group.GroupResults.FetchResult;
import io.sluice.broker.group.GroupResults.LeaveResult;
import io.sluice.broker.group.GroupResults.LeavingMember;
import io.sluice.broker.group.GroupResults.ListResult;
import io.sluice.broker.group.GroupResults.MemberLeave;
import io.sluice.broker.group.GroupResults.OffsetDeleteResult;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's classic group coordinator: the groups of the {@value OffsetsTopic#NAME} partitions this broker leads.
 *
 * <p>Each led partition is loading (its groups and offsets are replayed on the scheduler's load thread; requests get
 * {@code COORDINATOR_LOAD_IN_PROGRESS}) or loaded. Groups of partitions not led here get {@code NOT_COORDINATOR}. A
 * resignation drops the partition's groups and answers their pending joins and syncs with {@code NOT_COORDINATOR}.
 * The rebalance protocol lives in {@link GroupJoiner} and {@link Rebalancer}, offsets in {@link OffsetManager}, the admin APIs in
 * {@link GroupAdmin}.
 *
 * <p>Concurrency: thread-safe. The registry of partitions and groups is guarded by {@code registry}'s monitor; each
 * group by its own monitor. Lock order: the registry lock may be taken before a group lock, never while one is held
 * (a group found dead is removed from the registry after its lock is released). The store is never called with a
 * group lock held ({@link DeferredStore}); store completions and timers run on other threads and take the group lock
 * themselves.
 */
public final class GroupCoordinator implements OffsetsPartitionListener {
    private enum Lifecycle {
        NEW,
        RUNNING,
        STOPPED
    }

    /** The load state of one led partition; {@code loaded} is guarded by the registry lock. */
    private static final class PartitionLoad {
        final int epoch;
        boolean loaded;

        PartitionLoad(int epoch, boolean loaded) {
            this.epoch = epoch;
            this.loaded = loaded;
        }
    }

    /** A group id routed to this coordinator: an error, or the group (null when unknown). */
    record Route(Errors error, ClassicGroup group) {}

    private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);
    /** Loads of a partition before it is published even though markers keep racing with the read. */
    private static final int MAX_LOAD_ATTEMPTS = 5;

    private static final int UNMATCHED_MARKERS_KEPT = 10_000;

    final int brokerId;
    final GroupConfig config;
    final GroupStore store;
    final GroupScheduler scheduler;
    final String logPrefix;
    private final Clock clock;
    private final Object registry = new Object();
    private final Map<Integer, PartitionLoad> partitions = new HashMap<>();
    private final Map<String, ClassicGroup> groups = new HashMap<>();
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.NEW);
    private final Rebalancer rebalancer;
    private final GroupJoiner joiner;
    private final OffsetManager offsets;
    /** Orders a load's publication of pending transactional offsets before a marker's look-up of them. */
    private final Object txnOffsetsLock = new Object();
    /** Markers handled so far (guarded by {@link #txnOffsetsLock}). */
    private long markerCount;
    /**
     * Producer id → the number of the last marker that found no pending offsets of it (guarded by
     * {@link #txnOffsetsLock}; the oldest entries beyond {@value #UNMATCHED_MARKERS_KEPT} are forgotten).
     */
    private final Map<Long, Long> unmatchedMarkers = new java.util.LinkedHashMap<>(16, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
            return size() > UNMATCHED_MARKERS_KEPT;
        }
    };
    /** TxnOffsetCommit offsets waiting for their transaction's marker: producer id → group → offsets. */
    private final Map<Long, Map<String, Map<TopicPartition, CommittedOffset>>> pendingTxnOffsets =
            new ConcurrentHashMap<>();

    private final GroupAdmin admin;
    private volatile GroupScheduler.Cancellable retentionTask;

    /**
     * @param brokerId this broker, for logs
     * @param config the group settings ({@link GroupConfig#from})
     * @param store where groups and offsets are written and loaded from
     * @param clock wall-clock time of commits and state changes
     * @param scheduler timers, the partition loader and store writes ({@link GroupScheduler#threads}); owned by the
     *     coordinator from now on and shut down by {@link #shutdown}
     */
    public GroupCoordinator(int brokerId, GroupConfig config, GroupStore store, Clock clock, GroupScheduler scheduler) {
        this.brokerId = brokerId;
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.store = new DeferredStore(Objects.requireNonNull(store, "store"), scheduler);
        this.logPrefix = "[GroupCoordinator broker=" + brokerId + "] ";
        this.rebalancer = new Rebalancer(this);
        this.joiner = new GroupJoiner(this, rebalancer);
        this.offsets = new OffsetManager(this);
        this.admin = new GroupAdmin(this);
    }

    /** Starts answering requests and the periodic offset retention task. Only the first call has an effect. */
    public void startup() {
        if (lifecycle.compareAndSet(Lifecycle.NEW, Lifecycle.RUNNING)) {
            scheduleRetention();
            log.info("{}Started", logPrefix);
        }
    }

    /** Stops answering (COORDINATOR_NOT_AVAILABLE) and drops every group. Safe to call twice. */
    public void shutdown() {
        if (lifecycle.getAndSet(Lifecycle.STOPPED) == Lifecycle.STOPPED) {
            return;
        }
        GroupScheduler.Cancellable retention = retentionTask;
        if (retention != null) {
            retention.cancel();
        }
        List<ClassicGroup> dropped;
        synchronized (registry) {
            dropped = new ArrayList<>(groups.values());
            groups.clear();
            partitions.clear();
        }
        dropped.forEach(rebalancer::unload);
        scheduler.shutdown();
        log.info("{}Shut down", logPrefix);
    }

    // ---- partition leadership

    @Override
    public void onElection(int partition, int leaderEpoch) {
        PartitionLoad load;
        synchronized (registry) {
            PartitionLoad current = partitions.get(partition);
            if (current != null && current.epoch >= leaderEpoch) {
                log.debug(
                        "{}Ignoring election of partition {} at epoch {} (at {})",
                        logPrefix,
                        partition,
                        leaderEpoch,
                        current.epoch);
                return;
            }
            if (current != null && current.loaded) {
                partitions.put(partition, new PartitionLoad(leaderEpoch, true));
                return;
            }
            load = new PartitionLoad(leaderEpoch, false);
            partitions.put(partition, load);
        }
        log.info("{}Loading groups of partition {} at epoch {}", logPrefix, partition, leaderEpoch);
        scheduler.execute(() -> load(partition, load));
    }

    @Override
    public void onResignation(int partition, OptionalInt leaderEpoch) {
        List<ClassicGroup> dropped = new ArrayList<>();
        synchronized (registry) {
            PartitionLoad current = partitions.get(partition);
            if (current == null) {
                return;
            }
            if (leaderEpoch.isPresent() && current.epoch > leaderEpoch.getAsInt()) {
                log.debug(
                        "{}Ignoring stale resignation of partition {} at epoch {}",
                        logPrefix,
                        partition,
                        leaderEpoch.getAsInt());
                return;
            }
            partitions.remove(partition);
            groups.values().removeIf(group -> {
                if (group.partition == partition) {
                    dropped.add(group);
                    return true;
                }
                return false;
            });
        }
        dropped.forEach(rebalancer::unload);
        dropPendingTransactionalOffsets(partition);
        log.info("{}Unloaded {} groups of partition {}", logPrefix, dropped.size(), partition);
    }

    /** Forgets the transactional offsets of the groups in {@code partition}: its next leader reads them back. */
    private void dropPendingTransactionalOffsets(int partition) {
        int count = store.partitionCount();
        pendingTxnOffsets
                .values()
                .forEach(byGroup ->
                        byGroup.keySet().removeIf(groupId -> OffsetsTopic.partitionFor(groupId, count) == partition));
        pendingTxnOffsets.values().removeIf(Map::isEmpty);
    }

    private void load(int partition, PartitionLoad token) {
        for (int attempt = 1; ; attempt++) {
            if (loadOnce(partition, token, attempt < MAX_LOAD_ATTEMPTS)) {
                return;
            }
            log.info(
                    "{}A transaction marker reached partition {} while it loaded; loading it again (attempt {})",
                    logPrefix,
                    partition,
                    attempt + 1);
        }
    }

    /**
     * Loads and publishes {@code partition}; returns false, publishing nothing, when {@code retryOnMarkerRace} and a
     * transaction whose offsets the load found pending got its marker after the read (its COMMIT would then be lost:
     * {@link #completeTransaction} ran before the offsets were known, and noted the producer in
     * {@link #unmatchedMarkers}). The check and the publication hold {@link #txnOffsetsLock}, as
     * {@link #completeTransaction} does to find the offsets, so a marker handled after the check finds them.
     */
    private boolean loadOnce(int partition, PartitionLoad token, boolean retryOnMarkerRace) {
        synchronized (registry) {
            if (partitions.get(partition) != token) {
                return true;
            }
        }
        long markersBefore;
        synchronized (txnOffsetsLock) {
            markersBefore = markerCount;
        }
        LoadedPartition loaded;
        try {
            loaded = store.load(partition);
        } catch (IOException | RuntimeException e) {
            log.error("{}Cannot load partition {} at epoch {}", logPrefix, partition, token.epoch, e);
            synchronized (registry) {
                partitions.remove(partition, token);
            }
            return true;
        }
        long now = now();
        List<ClassicGroup> built = new ArrayList<>();
        for (StoredGroup stored : loaded.groups().values()) {
            ClassicGroup group = ClassicGroup.fromStored(stored, partition, now);
            group.offsets.putAll(loaded.offsets().getOrDefault(stored.groupId(), Map.of()));
            built.add(group);
        }
        loaded.offsets().forEach((groupId, committed) -> {
            if (!loaded.groups().containsKey(groupId)) {
                ClassicGroup group = new ClassicGroup(groupId, partition, GroupState.EMPTY, now);
                group.offsets.putAll(committed);
                built.add(group);
            }
        });
        boolean published;
        synchronized (txnOffsetsLock) {
            if (retryOnMarkerRace
                    && loaded.pendingTransactionalOffsets().keySet().stream()
                            .anyMatch(producerId -> unmatchedMarkers.getOrDefault(producerId, -1L) >= markersBefore)) {
                return false;
            }
            built.forEach(rebalancer::resumeLoaded);
            synchronized (registry) {
                published = partitions.get(partition) == token;
                if (published) {
                    built.forEach(group -> groups.put(group.groupId, group));
                    dropPendingTransactionalOffsets(partition);
                    loaded.pendingTransactionalOffsets()
                            .forEach((producerId, byGroup) -> byGroup.forEach((groupId, commits) -> pendingTxnOffsets
                                    .computeIfAbsent(producerId, id -> new ConcurrentHashMap<>())
                                    .computeIfAbsent(groupId, g -> new ConcurrentHashMap<>())
                                    .putAll(commits)));
                    token.loaded = true;
                }
            }
        }
        if (published) {
            log.info(
                    "{}Loaded {} groups of partition {} at epoch {} ({} transactions with pending offsets)",
                    logPrefix,
                    built.size(),
                    partition,
                    token.epoch,
                    loaded.pendingTransactionalOffsets().size());
        } else {
            built.forEach(rebalancer::unload);
        }
        return true;
    }

    // ---- routing

    /** Routes {@code groupId}; with {@code create}, an unknown group of a loaded partition is created Empty. */
    Route route(String groupId, boolean create) {
        if (lifecycle.get() != Lifecycle.RUNNING) {
            return new Route(Errors.COORDINATOR_NOT_AVAILABLE, null);
        }
        int partition = OffsetsTopic.partitionFor(groupId, store.partitionCount());
        synchronized (registry) {
            PartitionLoad load = partitions.get(partition);
            if (load == null) {
                return new Route(Errors.NOT_COORDINATOR, null);
            }
            if (!load.loaded) {
                return new Route(Errors.COORDINATOR_LOAD_IN_PROGRESS, null);
            }
            ClassicGroup group = groups.get(groupId);
            if (group != null && group.dead) {
                groups.remove(groupId, group);
                group = null;
            }
            if (group == null && create) {
                group = new ClassicGroup(groupId, partition, GroupState.EMPTY, now());
                groups.put(groupId, group);
            }
            return new Route(Errors.NONE, group);
        }
    }

    /** Forgets a group that became {@link GroupState#DEAD}; call without holding its lock. */
    void forget(ClassicGroup group) {
        synchronized (registry) {
            groups.remove(group.groupId, group);
        }
    }

    /** The groups known now, and whether some led partition is still loading. */
    List<ClassicGroup> snapshot(boolean[] loading) {
        synchronized (registry) {
            if (loading != null) {
                loading[0] = partitions.values().stream().anyMatch(load -> !load.loaded);
            }
            return new ArrayList<>(groups.values());
        }
    }

    /** How many groups this coordinator holds in each state (for metrics); Dead groups are not counted. */
    public Map<GroupState, Integer> groupCountsByState() {
        Map<GroupState, Integer> counts = new EnumMap<>(GroupState.class);
        for (GroupState state : GroupState.values()) {
            counts.put(state, 0);
        }
        for (ClassicGroup group : snapshot(null)) {
            synchronized (group) {
                if (!group.is(GroupState.DEAD)) {
                    counts.merge(group.state(), 1, Integer::sum);
                }
            }
        }
        return counts;
    }

    long now() {
        return clock.millis();
    }

    private void scheduleRetention() {
        if (lifecycle.get() != Lifecycle.RUNNING) {
            return;
        }
        retentionTask = scheduler.schedule(config.offsetsRetentionCheckIntervalMs(), () -> {
            try {
                offsets.expire();
            } catch (RuntimeException e) {
                log.error("{}Offset retention failed", logPrefix, e);
            }
            scheduleRetention();
        });
    }

    /** The group settings. */
    public GroupConfig config() {
        return config;
    }

    // ---- the API, one method per request

    /** JoinGroup; the future completes when the rebalance the member joined completes. */
    public CompletableFuture<JoinResult> joinGroup(JoinRequest request) {
        return joiner.join(request);
    }

    /** SyncGroup; the followers' futures complete when the leader's assignment is stored. */
    public CompletableFuture<SyncResult> syncGroup(
            String groupId,
            String memberId,
            Optional<String> groupInstanceId,
            int generationId,
            Optional<String> protocolType,
            Optional<String> protocolName,
            Map<String, byte[]> assignments) {
        return rebalancer.sync(
                groupId, memberId, groupInstanceId, generationId, protocolType, protocolName, assignments);
    }

    /** Heartbeat. */
    public Errors heartbeat(String groupId, String memberId, Optional<String> groupInstanceId, int generationId) {
        return rebalancer.heartbeat(groupId, memberId, groupInstanceId, generationId);
    }

    /** LeaveGroup of one or more members. */
    public LeaveResult leaveGroup(String groupId, List<LeavingMember> members) {
        return rebalancer.leave(groupId, members);
    }

    /** OffsetCommit of one group; the future completes once the offsets are stored (or rejected). */
    public CompletableFuture<Map<TopicPartition, Errors>> commitOffsets(
            String groupId,
            String memberId,
            Optional<String> groupInstanceId,
            int generationId,
            Map<TopicPartition, CommittedOffset> commits) {
        return offsets.commit(groupId, memberId, groupInstanceId, generationId, commits);
    }

    /**
     * TxnOffsetCommit: keeps {@code commits} of {@code groupId} for the transaction of {@code producerId} until its
     * marker lands on this broker's {@code __consumer_offsets} partition ({@link #completeTransaction}). Answers the
     * routing error (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS), the member check's error or NONE for every
     * partition.
     *
     * <p>The member check is Kafka's for transactional commits (KIP-447): a static member fenced by a newer instance
     * gets FENCED_INSTANCE_ID, a member id the group does not know UNKNOWN_MEMBER_ID, a generation other than the
     * group's ILLEGAL_GENERATION (the client aborts the transaction: a copier that lost its partitions in a rebalance
     * cannot commit offsets, or the records it copied, for them). An empty member id and generation -1 (a producer
     * outside the group's membership) are not checked.
     *
     * <p>The offsets are written first, as a transactional batch of the producer in the group's partition (acks=all),
     * then kept in memory until the marker. A broker that takes the partition over reads them back as pending
     * ({@link LoadedPartition#pendingTransactionalOffsets}), so a COMMIT marker that reaches it still stores them.
     * Answered once written: the store's error mapped as for an offset commit (NOT_COORDINATOR,
     * COORDINATOR_NOT_AVAILABLE, ...), INVALID_PRODUCER_EPOCH for a fenced producer epoch.
     */
    public CompletableFuture<Map<TopicPartition, Errors>> bufferTransactionalOffsets(
            String groupId,
            long producerId,
            short producerEpoch,
            String memberId,
            Optional<String> groupInstanceId,
            int generationId,
            Map<TopicPartition, CommittedOffset> commits) {
        Route route = route(groupId, false);
        Errors error = route.error();
        if (error == Errors.NONE) {
            error = offsets.checkTransactionalMember(route.group(), memberId, groupInstanceId, generationId);
        }
        if (error != Errors.NONE) {
            return CompletableFuture.completedFuture(OffsetManager.all(commits.keySet(), error));
        }
        int partition = OffsetsTopic.partitionFor(groupId, store.partitionCount());
        return store.storeTransactionalOffsets(partition, groupId, producerId, producerEpoch, commits)
                .handle((stored, failure) -> {
                    Errors written = StoreErrors.of(stored, failure);
                    Errors answer = written == Errors.INVALID_PRODUCER_EPOCH
                            ? Errors.INVALID_PRODUCER_EPOCH
                            : StoreErrors.forCommit(written);
                    if (answer == Errors.NONE) {
                        pendingTxnOffsets
                                .computeIfAbsent(producerId, id -> new ConcurrentHashMap<>())
                                .computeIfAbsent(groupId, g -> new ConcurrentHashMap<>())
                                .putAll(commits);
                    } else {
                        log.warn(
                                "{}Group {}: offsets of the transaction of producer {} epoch {} not written: {}{}",
                                logPrefix,
                                groupId,
                                producerId,
                                producerEpoch,
                                written,
                                failure != null ? " (" + failure + ")" : "");
                    }
                    return OffsetManager.all(commits.keySet(), answer);
                });
    }

    /**
     * A transaction marker of {@code producerId} was written to a {@code __consumer_offsets} partition this broker
     * leads: on commit its pending transactional offsets are stored, on abort dropped. Completes once stored.
     */
    public CompletableFuture<Void> completeTransaction(long producerId, boolean commit) {
        Map<String, Map<TopicPartition, CommittedOffset>> pending;
        synchronized (txnOffsetsLock) {
            pending = pendingTxnOffsets.get(producerId);
            long sequence = markerCount++;
            if (pending == null) {
                unmatchedMarkers.put(producerId, sequence);
            }
            if (pending == null || !commit) {
                pendingTxnOffsets.remove(producerId);
                return CompletableFuture.completedFuture(null);
            }
        }
        List<CompletableFuture<?>> stores = new ArrayList<>();
        pending.forEach((groupId, commits) -> {
            log.debug(
                    "{}Group {}: transaction of producer {} commits {} offsets",
                    logPrefix,
                    groupId,
                    producerId,
                    commits.size());
            stores.add(offsets.commitTransactional(groupId, commits));
        });
        // removed only now: the stores count as pending commits from here, so OffsetFetch(requireStable) never sees
        // a moment in which these offsets are neither pending nor stored
        pendingTxnOffsets.remove(producerId, pending);
        return CompletableFuture.allOf(stores.toArray(CompletableFuture[]::new));
    }

    /** OffsetFetch of one group: {@code partitions} null for all the group's committed offsets. */
    public FetchResult fetchOffsets(String groupId, List<TopicPartition> partitions) {
        return offsets.fetch(groupId, partitions, false);
    }

    /**
     * OffsetFetch of one group; with {@code requireStable} (v7+), partitions whose commit is still being written are
     * reported in {@link FetchResult#unstable()}.
     */
    public FetchResult fetchOffsets(String groupId, List<TopicPartition> partitions, boolean requireStable) {
        FetchResult result = offsets.fetch(groupId, partitions, requireStable);
        if (!requireStable || result.error() != Errors.NONE) {
            return result;
        }
        Set<TopicPartition> unstable = new HashSet<>(result.unstable());
        for (Map<String, Map<TopicPartition, CommittedOffset>> byGroup : pendingTxnOffsets.values()) {
            Map<TopicPartition, CommittedOffset> pending = byGroup.get(groupId);
            if (pending != null) {
                pending.keySet().stream()
                        .filter(tp -> partitions == null || result.offsets().containsKey(tp))
                        .forEach(unstable::add);
            }
        }
        return unstable.size() == result.unstable().size()
                ? result
                : new FetchResult(result.error(), result.offsets(), unstable);
    }

    /** OffsetDelete of one group. */
    public CompletableFuture<OffsetDeleteResult> deleteOffsets(String groupId, List<TopicPartition> partitions) {
        return offsets.deleteOffsets(groupId, partitions);
    }

    /** DescribeGroups of one group. */
    public DescribedGroup describeGroup(String groupId) {
        return admin.describe(groupId);
    }

    /** ListGroups, filtered by state labels and types (empty filters match every group). */
    public ListResult listGroups(Set<String> states, Set<String> types) {
        return admin.list(states, types);
    }

    /** DeleteGroups: the error per group id, once the tombstones are written. */
    public CompletableFuture<Map<String, Errors>> deleteGroups(List<String> groupIds) {
        return admin.delete(groupIds);
    }

    /** Runs offset retention now (the periodic task calls it too). */
    public void expireOffsets() {
        offsets.expire();
    }

    static MemberLeave leave(LeavingMember member, Errors error) {
        return new MemberLeave(member.memberId(), member.groupInstanceId(), error);
    }
}
