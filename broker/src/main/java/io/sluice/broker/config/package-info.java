/**
 * Dynamic topic and broker-default configuration kept from ZooKeeper, and its description and CAS writes for the
 * config admin APIs; depends on {@code io.sluice.metadata.config}, {@code io.sluice.metadata.zk} and {@code
 * io.sluice.metadata.concurrent} only.
 */
package io.sluice.broker.config;
