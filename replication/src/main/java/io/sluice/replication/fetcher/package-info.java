/**
 * Follower replica fetchers: pull a leader's batches into local follower partitions; depends only on {@code
 * io.sluice.replication.epoch}, {@code io.sluice.replication.quota} (the follower throttle), {@code io.sluice.metadata.concurrent} (the concurrency helpers), kafka-clients
 * wire/record types, SLF4J and Micrometer (partitions and endpoints are ports).
 */
package io.sluice.replication.fetcher;
