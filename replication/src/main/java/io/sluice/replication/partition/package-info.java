/**
 * Hosted partition replicas and the broker's {@link io.sluice.replication.partition.ReplicaManager}: leader/follower
 * roles, ISR, high watermark, leader epochs, idempotent produce, reads, purgatories; depends on {@code
 * io.sluice.replication.log}, {@code io.sluice.replication.epoch}, {@code io.sluice.replication.producer}, {@code
 * io.sluice.replication.checkpoint}, {@code io.sluice.replication.purgatory}, {@code io.sluice.replication.log.index} (aborted transactions), {@code io.sluice.replication.fetcher}, {@code io.sluice.replication.quota} (the leader throttle),
 * {@code io.sluice.metadata.concurrent} (the concurrency helpers), kafka-clients wire/record types, SLF4J and
 * Micrometer.
 */
package io.sluice.replication.partition;
