/**
 * The read-only cluster page served on the metrics port ({@code /ui} and its {@code /ui/cluster.json}): brokers by
 * rack, partitions with leader, replicas and ISR, consumer groups with lag, built from the broker's metadata snapshot
 * and group coordinator. Depends on {@code io.sluice.broker.metadata}, {@code io.sluice.broker.group}, {@code
 * io.sluice.metadata.model}, Jackson and kafka-clients' common types.
 */
package io.sluice.broker.ui;
