/**
 * Segmented partition logs on local disk (segments, recovery, retention, the {@link io.sluice.replication.log.LogManager});
 * depends on kafka-clients' record classes, {@code log.index} and {@code checkpoint} only.
 */
package io.sluice.replication.log;
