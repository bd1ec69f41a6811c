/**
 * Segmented partition logs on local disk (segments, recovery, retention, the crash-safe segment swap of compaction,
 * the {@link io.sluice.replication.log.LogManager}); depends on {@code io.sluice.replication.log.index}, {@code
 * io.sluice.replication.checkpoint}, {@code io.sluice.metadata.concurrent} (the concurrency helpers) and
 * kafka-clients' record classes only. Compaction is behind the {@link io.sluice.replication.log.LogCompactor} port, so
 * this package does not know the {@code log.cleaner} package that implements it.
 */
package io.sluice.replication.log;
