package io.sluice.replication.fetcher;

import io.sluice.replication.epoch.EpochEndOffset;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.MemoryRecords;

/**
 * A follower replica over an {@link InMemoryLog} that records what the fetcher did to it: appends (first offsets),
 * truncations, full truncations, and any call made after the test {@link #detach() detached} it.
 */
final class TestFollowerPartition implements FollowerPartition {
    private final TopicPartition tp;
    final InMemoryLog log = new InMemoryLog();
    volatile int leaderEpoch;
    private long highWatermark;

    final List<Long> appendedBaseOffsets = new CopyOnWriteArrayList<>();
    final AtomicInteger appendCalls = new AtomicInteger();
    final List<Long> truncations = new CopyOnWriteArrayList<>();
    final List<Long> fullTruncations = new CopyOnWriteArrayList<>();
    final AtomicInteger callsAfterDetach = new AtomicInteger();
    private volatile boolean detached;
    private volatile Throwable appendFailure;

    TestFollowerPartition(TopicPartition tp, int leaderEpoch) {
        this.tp = tp;
        this.leaderEpoch = leaderEpoch;
    }

    /** From now on every call counts as a violation. */
    void detach() {
        detached = true;
    }

    /** Calls count as normal again. */
    void attach() {
        detached = false;
    }

    /** Every later append throws {@code failure} (a RuntimeException or an Error); {@code null} stops it. */
    void failAppends(Throwable failure) {
        if (failure != null && !(failure instanceof RuntimeException) && !(failure instanceof Error)) {
            throw new IllegalArgumentException("only unchecked throwables can be injected: " + failure);
        }
        appendFailure = failure;
    }

    synchronized long highWatermark() {
        return highWatermark;
    }

    private void touch() {
        if (detached) {
            callsAfterDetach.incrementAndGet();
        }
    }

    @Override
    public TopicPartition topicPartition() {
        return tp;
    }

    @Override
    public int leaderEpoch() {
        touch();
        return leaderEpoch;
    }

    @Override
    public long logStartOffset() {
        touch();
        return log.logStartOffset();
    }

    @Override
    public long logEndOffset() {
        touch();
        return log.logEndOffset();
    }

    @Override
    public OptionalInt latestEpoch() {
        touch();
        return log.latestEpoch();
    }

    @Override
    public EpochEndOffset endOffsetForEpoch(int epoch) {
        touch();
        return log.endOffsetFor(epoch);
    }

    @Override
    public long appendRecordsFromLeader(MemoryRecords records, long leaderHighWatermark, long leaderLogStartOffset) {
        touch();
        appendCalls.incrementAndGet();
        Throwable failure = appendFailure;
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (records.sizeInBytes() > 0) {
            appendedBaseOffsets.add(records.batches().iterator().next().baseOffset());
        }
        long logEndOffset = log.append(records);
        synchronized (this) {
            highWatermark = Math.max(highWatermark, Math.min(leaderHighWatermark, logEndOffset));
        }
        return logEndOffset;
    }

    @Override
    public void truncateTo(long offset) {
        touch();
        truncations.add(offset);
        log.truncateTo(offset);
        synchronized (this) {
            highWatermark = Math.min(highWatermark, log.logEndOffset());
        }
    }

    @Override
    public void truncateFullyAndStartAt(long offset) {
        touch();
        fullTruncations.add(offset);
        log.truncateFullyAndStartAt(offset);
        synchronized (this) {
            highWatermark = offset;
        }
    }
}
