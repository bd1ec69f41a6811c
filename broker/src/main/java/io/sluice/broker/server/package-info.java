/**
 * The broker process: {@link io.sluice.broker.server.BrokerServer} wires storage, ZooKeeper, replication, the
 * controller candidate and the network layer and owns their lifecycle; {@link io.sluice.broker.server.BrokerMain} is
 * the command-line entry point. May depend on {@code io.sluice.broker.*}, {@code io.sluice.metadata.*}, {@code
 * io.sluice.controller.*} and {@code io.sluice.replication.*}; nothing depends on it.
 */
package io.sluice.broker.server;
