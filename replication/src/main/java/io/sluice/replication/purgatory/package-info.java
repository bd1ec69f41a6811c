/**
 * Delayed operations (acks=all produce, long-poll fetch) parked until a condition holds or a deadline passes, their
 * watcher index and expiration timer; depends only on {@code io.sluice.metadata.concurrent} (the concurrency helpers),
 * the JDK, SLF4J and Micrometer.
 */
package io.sluice.replication.purgatory;
