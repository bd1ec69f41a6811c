/**
 * Fenced controller writes to ZooKeeper (every write checks {@code /controller_epoch}); depends on {@code
 * io.sluice.metadata.zk} (ZkStore and the znode codecs) and {@code io.sluice.metadata.model}.
 */
package io.sluice.controller.zk;
