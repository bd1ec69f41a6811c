/**
 * Delayed operations (acks=all produce, long-poll fetch) parked until a condition holds or a deadline passes, their
 * watcher index and expiration timer; depends only on the JDK, SLF4J, Micrometer and the metadata module's
 * concurrency helpers.
 */
package io.sluice.replication.purgatory;
