/**
 * Segmented partition logs on local disk (segments, recovery, retention, the crash-safe segment swap of compaction,
 * the {@link io.sluice.replication.log.LogManager}); depends on kafka-clients' record classes, {@code log.index},
 * {@code checkpoint}, {@code log.cleaner} (whose cleaner the LogManager owns) and the metadata module's concurrency
 * helpers only.
 */
package io.sluice.replication.log;
