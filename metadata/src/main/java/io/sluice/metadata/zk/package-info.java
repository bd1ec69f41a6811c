/**
 * ZooKeeper layout: one codec class per znode and the Curator facade {@link io.sluice.metadata.zk.ZkStore}; depends on
 * {@code io.sluice.metadata.model} and {@code io.sluice.metadata.config} (the ZooKeeper connection settings), Curator
 * and Jackson.
 */
package io.sluice.metadata.zk;
