/**
 * ZooKeeper layout: one codec class per znode, the Curator facade {@link io.sluice.metadata.zk.ZkStore} and the client
 * security (TLS settings, znode ACLs); depends on
 * {@code io.sluice.metadata.model} and {@code io.sluice.metadata.config} (the ZooKeeper connection settings), Curator
 * and Jackson.
 */
package io.sluice.metadata.zk;
