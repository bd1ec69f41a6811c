/**
 * Tiered storage plumbing of the broker: the ZooKeeper-based {@code RemoteLogMetadataManager} and the loading of the
 * remote storage plugins from their class names and class paths; depends on {@code io.sluice.metadata.config},
 * {@code io.sluice.metadata.zk}, {@code io.sluice.replication.remote}, kafka-storage-api, Curator, ZooKeeper and
 * Jackson.
 */
package io.sluice.broker.remote;
