/**
 * Sluice replication module: partition logs on local disk, replicas with their ISR, high watermark and leader epochs,
 * follower fetchers and delayed operations. The module depends on {@code io.sluice.metadata.*} only, never on the
 * controller or broker modules; the broker implements its ports.
 */
package io.sluice.replication;
