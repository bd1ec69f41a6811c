/**
 * Controller election by one ZooKeeper multi on {@code /controller} and {@code /controller_epoch}; depends on {@code
 * io.sluice.metadata.zk} (the ZkStore) only.
 */
package io.sluice.controller.election;
