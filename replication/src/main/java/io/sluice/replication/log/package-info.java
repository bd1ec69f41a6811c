/**
 * Segmented partition logs on local disk (segments, recovery, retention, the crash-safe segment swap of compaction,
 * the {@link io.sluice.replication.log.LogManager}); depends on kafka-clients' record classes, {@code log.index},
 * {@code checkpoint}, and {@code log.cleaner} (whose cleaner the LogManager owns) only.
 */
package io.sluice.replication.log;
