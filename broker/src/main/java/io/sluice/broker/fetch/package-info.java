/**
 * Incremental fetch sessions (KIP-227): the per-broker session cache with its eviction policy and the per-request
 * session context the Fetch handler reads through; and the preferred read replica of follower fetching (KIP-392).
 * Depends on kafka-clients' message and replica-selector classes, Micrometer, {@code io.sluice.broker.metadata} (the
 * replicas' endpoints and racks), {@code io.sluice.metadata.model} and {@code io.sluice.replication.partition} (the
 * leader's view of its followers).
 */
package io.sluice.broker.fetch;
