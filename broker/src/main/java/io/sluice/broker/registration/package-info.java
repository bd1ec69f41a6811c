/**
 * The broker's ephemeral registration in {@code /brokers/ids/N} and its broker epoch; depends on {@code
 * io.sluice.metadata.zk} (ZkStore), {@code io.sluice.metadata.model}, {@code io.sluice.metadata.concurrent} and
 * Curator.
 */
package io.sluice.broker.registration;
