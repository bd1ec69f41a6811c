/**
 * The per-partition leader-epoch cache (epoch to start offset) and its checkpoint file; depends on {@code
 * io.sluice.replication.checkpoint}, kafka-clients' {@code TopicPartition}, java.nio and SLF4J.
 */
package io.sluice.replication.epoch;
