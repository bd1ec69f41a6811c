package io.sluice.replication.partition;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Proposes ISR changes of one leader {@link Partition} to the controller with AlterPartition (version 3 semantics:
 * {@code newIsrWithEpochs}) and applies the answers, like Kafka's {@code Partition.submitAlterPartition} and
 * {@code handleAlterPartitionError}:
 *
 * <pre>
 *   response / failure                         reaction
 *   NONE, same leader epoch, newer-or-equal     commit the returned ISR and partition epoch; maybe raise the HW
 *     partition epoch
 *   NONE otherwise                              ignore; stay pending until the next LeaderAndIsr
 *   OPERATION_NOT_ATTEMPTED, INELIGIBLE_REPLICA back to the committed ISR (a later check proposes again)
 *   FENCED_LEADER_EPOCH, INVALID_UPDATE_VERSION, stay pending: the controller has a newer state and the
 *     UNKNOWN_TOPIC_OR_PARTITION,               LeaderAndIsr carrying it resets this partition
 *     NEW_LEADER_ELECTED, INVALID_REQUEST
 *   any other partition error                   send the same proposal again after the backoff, if it is still the
 *                                               pending one
 * </pre>
 *
 * <p>Proposals go through the broker's {@link AlterPartitionManager}, which batches the proposals of all partitions
 * into one outstanding request and itself retries requests that failed as a whole (network failure, NOT_CONTROLLER,
 * stale broker epoch); this class sees only its partition's answer.
 *
 * <p>At most one proposal per partition is pending: a proposal is made only when the state has none pending.
 *
 * <p>Concurrency contract: no state of its own besides immutable configuration; every read-modify-write of the
 * partition's state happens under the partition's write lock; requests are sent and retries scheduled after that lock
 * is released, and responses (on the sender's thread) take it again.
 */
final class IsrProposer {
    private static final Logger LOG = LoggerFactory.getLogger(IsrProposer.class);

    /** Creates the proposer of one partition. */
    @FunctionalInterface
    interface Factory {
        IsrProposer create(Partition partition, String logPrefix);
    }

    /**
     * An ISR change sent to the controller, based on the committed state at (leaderEpoch, partitionEpoch); the ISR is
     * sorted, so requests list replicas in id order. {@code followerEpochs} holds each follower's broker epoch from
     * the fetch the proposal was based on (-1 if unknown); retries send the same epochs.
     */
    record Proposal(int leaderEpoch, int partitionEpoch, Set<Integer> isr, Map<Integer, Long> followerEpochs) {}

    private final Partition partition;
    private final String logPrefix;
    private final int brokerId;
    private final AlterPartitionManager manager;
    private final ScheduledExecutorService scheduler;
    private final long retryBackoffMs;

    IsrProposer(
            Partition partition,
            String logPrefix,
            int brokerId,
            AlterPartitionManager manager,
            ScheduledExecutorService scheduler,
            long retryBackoffMs) {
        this.partition = partition;
        this.logPrefix = logPrefix;
        this.brokerId = brokerId;
        this.manager = manager;
        this.scheduler = scheduler;
        this.retryBackoffMs = retryBackoffMs;
    }

    static Factory factory(
            int brokerId, AlterPartitionManager manager, ScheduledExecutorService scheduler, long retryBackoffMs) {
        return (partition, prefix) -> new IsrProposer(partition, prefix, brokerId, manager, scheduler, retryBackoffMs);
    }

    /** Proposes adding {@code replicaId} if it still qualifies and nothing is pending. */
    void maybeExpandIsr(int replicaId) {
        Proposal proposal;
        partition.lock().writeLock().lock();
        try {
            PartitionState s = partition.state();
            if (!partition.isLeader() || s.isPending() || !partition.canJoinIsr(s, replicaId)) {
                return;
            }
            PartitionState next = s.withPendingExpand(replicaId);
            partition.setState(next);
            Set<Integer> newIsr = next.proposedIsr().orElseThrow();
            proposal = new Proposal(s.leaderEpoch(), s.partitionEpoch(), newIsr, followerEpochs(newIsr));
            LOG.info(
                    "{}Proposing ISR expansion {} -> {} (replica {} caught up at {}, HW {})",
                    logPrefix,
                    s.isr(),
                    proposal.isr(),
                    replicaId,
                    partition
                            .followerState(replicaId)
                            .map(ReplicaState::logEndOffset)
                            .orElse(-1L),
                    partition.highWatermark());
        } finally {
            partition.lock().writeLock().unlock();
        }
        send(proposal);
    }

    /** Proposes removing the out-of-sync followers, if any and nothing is pending; the leader always stays. */
    void maybeShrinkIsr(long nowMs) {
        partition.lock().readLock().lock();
        try {
            PartitionState s = partition.state();
            if (!partition.isLeader()
                    || s.isPending()
                    || partition.outOfSyncReplicas(s, nowMs).isEmpty()) {
                return;
            }
        } finally {
            partition.lock().readLock().unlock();
        }
        Proposal proposal;
        boolean unsafeHwIncremented = false;
        partition.lock().writeLock().lock();
        try {
            PartitionState s = partition.state();
            if (!partition.isLeader() || s.isPending()) {
                return;
            }
            Set<Integer> lagging = partition.outOfSyncReplicas(s, nowMs);
            if (lagging.isEmpty()) {
                return;
            }
            Set<Integer> newIsr = new TreeSet<>(s.isr());
            newIsr.removeAll(lagging);
            if (newIsr.isEmpty()) {
                LOG.warn("{}Not shrinking ISR {}: it would become empty", logPrefix, s.isr());
                return;
            }
            PartitionState pending = s.withPendingShrink(newIsr);
            partition.setState(pending);
            if (UnsafeTestSwitches.hwPastUncommittedShrink) {
                // Tests only: the deliberately broken rule advances the HW over the ISR before the controller agrees.
                unsafeHwIncremented = partition.maybeIncrementLeaderHw(pending);
            }
            proposal = new Proposal(
                    s.leaderEpoch(), s.partitionEpoch(), Collections.unmodifiableSet(newIsr), followerEpochs(newIsr));
            List<String> details = new ArrayList<>();
            for (int replica : lagging) {
                partition
                        .followerState(replica)
                        .ifPresent(rs -> details.add(replica + "(leo=" + rs.logEndOffset() + ", caughtUp "
                                + (nowMs - rs.lastCaughtUpTimeMs()) + " ms ago)"));
            }
            LOG.info(
                    "{}Proposing ISR shrink {} -> {}: out of sync {}; leader LEO {}, HW {}",
                    logPrefix,
                    s.isr(),
                    newIsr,
                    details,
                    partition.logEndOffset(),
                    partition.highWatermark());
        } finally {
            partition.lock().writeLock().unlock();
        }
        if (unsafeHwIncremented) {
            partition.notifyHighWatermarkIncremented();
        }
        send(proposal);
    }

    /** Caller holds the partition lock: the broker epoch each follower in {@code isr} last fetched with. */
    private Map<Integer, Long> followerEpochs(Set<Integer> isr) {
        Map<Integer, Long> epochs = new HashMap<>();
        for (int replica : isr) {
            if (replica != brokerId) {
                epochs.put(
                        replica,
                        partition
                                .followerState(replica)
                                .map(ReplicaState::brokerEpoch)
                                .orElse(-1L));
            }
        }
        return Map.copyOf(epochs);
    }

    /**
     * Submits the proposal to the broker's {@link AlterPartitionManager} with {@code newIsrWithEpochs}: this broker's
     * epoch for itself (filled in when the request is built) and each follower's fetched epoch, so that the controller
     * refuses a follower that re-registered after that fetch (KIP-903).
     */
    private void send(Proposal proposal) {
        List<AlterPartitionRequestData.BrokerState> isrWithEpochs = new ArrayList<>();
        for (int replica : proposal.isr()) {
            isrWithEpochs.add(new AlterPartitionRequestData.BrokerState()
                    .setBrokerId(replica)
                    .setBrokerEpoch(
                            replica == brokerId
                                    ? -1L
                                    : proposal.followerEpochs().getOrDefault(replica, -1L)));
        }
        AlterPartitionRequestData.PartitionData data = new AlterPartitionRequestData.PartitionData()
                .setPartitionIndex(partition.topicPartition().partition())
                .setLeaderEpoch(proposal.leaderEpoch())
                .setNewIsrWithEpochs(isrWithEpochs)
                .setPartitionEpoch(proposal.partitionEpoch());
        manager.submit(partition.topicPartition(), data).whenComplete((answer, failure) -> {
            try {
                handleResponse(proposal, answer, failure);
            } catch (RuntimeException e) {
                LOG.error("{}Failed to handle the AlterPartition answer for {}", logPrefix, proposal, e);
            }
        });
    }

    private void handleResponse(Proposal proposal, AlterPartitionResponseData.PartitionData data, Throwable failure) {
        if (failure != null) {
            // the manager retries failed requests itself; it fails a change only when a newer one replaced it or it
            // closed
            LOG.debug("{}AlterPartition {} not sent: {}", logPrefix, proposal, failure.toString());
            return;
        }
        Errors error = Errors.forCode(data.errorCode());
        boolean retry = false;
        boolean committed = false;
        boolean hwIncremented = false;
        Set<Integer> oldIsr = Set.of();
        Set<Integer> newIsr = Set.of();
        partition.lock().writeLock().lock();
        try {
            PartitionState s = partition.state();
            if (!isCurrent(s, proposal)) {
                LOG.debug("{}Ignoring AlterPartition answer {} for a proposal no longer pending", logPrefix, error);
                return;
            }
            switch (error) {
                case NONE -> {
                    if (data.leaderEpoch() != s.leaderEpoch() || data.partitionEpoch() < s.partitionEpoch()) {
                        LOG.info(
                                "{}Ignoring committed ISR {} at leader epoch {} partition epoch {}: ours is {}/{}",
                                logPrefix,
                                data.isr(),
                                data.leaderEpoch(),
                                data.partitionEpoch(),
                                s.leaderEpoch(),
                                s.partitionEpoch());
                        return;
                    }
                    oldIsr = s.isr();
                    newIsr = Set.copyOf(data.isr());
                    PartitionState next = s.withCommittedIsr(newIsr, data.partitionEpoch());
                    partition.setState(next);
                    committed = true;
                    hwIncremented = partition.maybeIncrementLeaderHw(next);
                    LOG.info(
                            "{}ISR committed {} -> {} at partition epoch {}; HW {}",
                            logPrefix,
                            oldIsr,
                            next.isr(),
                            data.partitionEpoch(),
                            partition.highWatermark());
                }
                case OPERATION_NOT_ATTEMPTED, INELIGIBLE_REPLICA -> {
                    LOG.info(
                            "{}AlterPartition {} not applied ({}); back to ISR {}",
                            logPrefix,
                            proposal,
                            error,
                            s.isr());
                    partition.setState(s.withoutProposal());
                }
                case FENCED_LEADER_EPOCH,
                        INVALID_UPDATE_VERSION,
                        UNKNOWN_TOPIC_OR_PARTITION,
                        NEW_LEADER_ELECTED,
                        INVALID_REQUEST ->
                    LOG.info(
                            "{}AlterPartition {} rejected with {}; waiting for the controller's LeaderAndIsr",
                            logPrefix,
                            proposal,
                            error);
                default -> {
                    // counted in the manager's summary line; one line per partition and retry would flood the log
                    LOG.debug("{}AlterPartition {} failed with {}; retrying", logPrefix, proposal, error);
                    retry = true;
                }
            }
        } finally {
            partition.lock().writeLock().unlock();
        }
        if (committed) {
            partition.notifyCommitted(oldIsr, newIsr, hwIncremented);
        }
        if (retry) {
            scheduleRetry(proposal);
        }
    }

    private static boolean isCurrent(PartitionState s, Proposal proposal) {
        return s.proposedIsr().map(proposal.isr()::equals).orElse(false)
                && s.leaderEpoch() == proposal.leaderEpoch()
                && s.partitionEpoch() == proposal.partitionEpoch();
    }

    private void scheduleRetry(Proposal proposal) {
        Runnable retry = () -> {
            boolean current;
            partition.lock().readLock().lock();
            try {
                current = partition.isLeader() && isCurrent(partition.state(), proposal);
            } finally {
                partition.lock().readLock().unlock();
            }
            if (current) {
                send(proposal);
            }
        };
        try {
            scheduler.schedule(retry, retryBackoffMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.info("{}Scheduler stopped; not retrying AlterPartition {}", logPrefix, proposal);
        }
    }
}
