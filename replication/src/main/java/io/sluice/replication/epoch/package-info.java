/**
 * The per-partition leader-epoch cache (epoch to start offset), its checkpoint file and the writer of deferred
 * checkpoints; depends on {@code io.sluice.replication.checkpoint}, kafka-clients' {@code TopicPartition}, java.nio,
 * java.util.concurrent and SLF4J.
 */
package io.sluice.replication.epoch;
