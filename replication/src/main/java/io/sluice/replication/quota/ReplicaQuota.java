package io.sluice.replication.quota;

import org.apache.kafka.common.TopicPartition;

/**
 * A replication throttle as the fetch paths see it (Kafka's {@code ReplicaQuota}): which partitions it covers, whether
 * its byte rate is over the limit now, and the bytes of throttled partitions that went through it.
 *
 * <p>A throttled partition is skipped (follower) or answered without records (leader) only while the quota is exceeded
 * and only for replicas outside the ISR, so an in-sync replica never falls behind because of a throttle.
 */
public interface ReplicaQuota {
    /** A quota that throttles nothing. */
    ReplicaQuota UNBOUNDED = new ReplicaQuota() {
        @Override
        public boolean isThrottled(TopicPartition tp) {
            return false;
        }

        @Override
        public boolean isQuotaExceeded() {
            return false;
        }

        @Override
        public void record(long bytes) {}

        @Override
        public long msUntilWithinQuota() {
            return 0;
        }
    };

    /** Whether {@code tp}'s replication on this broker is subject to this quota. */
    boolean isThrottled(TopicPartition tp);

    /** Whether the bytes recorded over the window exceed the configured rate now. */
    boolean isQuotaExceeded();

    /** Records bytes of throttled partitions that were sent (leader) or received (follower). */
    void record(long bytes);

    /** How long until the quota is no longer exceeded (a wake-up hint); 0 if it is not exceeded. */
    long msUntilWithinQuota();
}
