/**
 * Hosted partition replicas and the broker's {@link io.sluice.replication.partition.ReplicaManager}: leader/follower
 * roles, ISR, high watermark, leader epochs, idempotent produce, reads, purgatories; depends on the {@code log},
 * {@code epoch}, {@code producer}, {@code checkpoint}, {@code purgatory} and {@code fetcher} packages, kafka-clients
 * wire/record types, the metadata module's concurrency helpers, SLF4J and Micrometer.
 */
package io.sluice.replication.partition;
