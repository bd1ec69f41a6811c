/**
 * Log compaction: the background {@link io.sluice.replication.log.cleaner.LogCleaner} that keeps the latest record per
 * key of logs with {@code cleanup.policy=compact}. It implements the {@code LogCompactor} port of the {@code log}
 * package, whose {@code LogManager} starts it through the {@code CleanerConfig} factory; depends on {@code
 * io.sluice.replication.log}, {@code io.sluice.replication.checkpoint}, {@code io.sluice.metadata.concurrent} (the
 * concurrency helpers) and kafka-clients' record classes.
 */
package io.sluice.replication.log.cleaner;
