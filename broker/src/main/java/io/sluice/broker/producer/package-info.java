/**
 * Cluster-unique producer ids for idempotent producers, claimed in blocks from ZooKeeper; depends on {@code
 * io.sluice.metadata.zk} (ZkStore) and {@code io.sluice.metadata.model}.
 */
package io.sluice.broker.producer;
