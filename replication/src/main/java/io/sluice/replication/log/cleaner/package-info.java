/**
 * Log compaction: the background {@link io.sluice.replication.log.cleaner.LogCleaner} that keeps the latest record
 * per key of logs with {@code cleanup.policy=compact}; depends on {@code log} (whose {@code LogManager} owns and starts
 * it), {@code checkpoint}, the metadata module's concurrency
 * helpers and kafka-clients' record classes.
 */
package io.sluice.replication.log.cleaner;
