/**
 * Follower replica fetchers: pull a leader's batches into local follower partitions; depends only on the epoch
 * package, the metadata module's concurrency helpers, kafka-clients wire/record types, SLF4J and Micrometer
 * (partitions and endpoints are ports).
 */
package io.sluice.replication.fetcher;
