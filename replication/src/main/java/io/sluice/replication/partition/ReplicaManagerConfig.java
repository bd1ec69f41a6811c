package io.sluice.replication.partition;

/**
 * Replication settings of one broker (Kafka property names in brackets).
 *
 * @param brokerId this broker's id [{@code broker.id}]
 * @param replicaLagTimeMaxMs how long a follower may stay behind before it leaves the ISR
 *     [{@code replica.lag.time.max.ms}]; the shrink check runs every half of it
 * @param alterPartitionRetryBackoffMs pause before an AlterPartition is sent again after a network or controller
 *     error
 * @param highWatermarkCheckpointIntervalMs how often high watermarks are written to each log dir's
 *     {@code replication-offset-checkpoint} [{@code replica.high.watermark.checkpoint.interval.ms}]
 */
public record ReplicaManagerConfig(
        int brokerId,
        long replicaLagTimeMaxMs,
        long alterPartitionRetryBackoffMs,
        long highWatermarkCheckpointIntervalMs) {

    /** Kafka's defaults: 30 s lag, 50 ms retry backoff, 5 s checkpoints. */
    public static ReplicaManagerConfig defaults(int brokerId) {
        return new ReplicaManagerConfig(brokerId, 30_000L, 50L, 5_000L);
    }

    public ReplicaManagerConfig {
        if (brokerId < 0) {
            throw new IllegalArgumentException("broker.id must be >= 0, got " + brokerId);
        }
        if (replicaLagTimeMaxMs < 2 || alterPartitionRetryBackoffMs < 0 || highWatermarkCheckpointIntervalMs < 1) {
            throw new IllegalArgumentException("invalid replication settings: replica.lag.time.max.ms="
                    + replicaLagTimeMaxMs + ", retry backoff=" + alterPartitionRetryBackoffMs
                    + ", checkpoint interval=" + highWatermarkCheckpointIntervalMs);
        }
    }
}
