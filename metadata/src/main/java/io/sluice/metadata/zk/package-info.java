/** ZooKeeper layout: one codec class per znode and the Curator facade {@link io.sluice.metadata.zk.ZkStore}; depends on model. */
package io.sluice.metadata.zk;
