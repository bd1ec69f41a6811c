/** Fenced controller writes to ZooKeeper (every write checks {@code /controller_epoch}); depends on metadata's ZkStore and znode codecs. */
package io.sluice.controller.zk;
