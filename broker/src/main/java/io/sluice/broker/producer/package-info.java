/** Cluster-unique producer ids for idempotent producers, claimed in blocks from ZooKeeper; depends on metadata (ZkStore). */
package io.sluice.broker.producer;
