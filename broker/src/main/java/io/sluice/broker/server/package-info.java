/**
 * The broker process: {@link io.sluice.broker.server.BrokerServer} wires storage, ZooKeeper, replication, the
 * controller candidate and the network layer and owns their lifecycle; {@link io.sluice.broker.server.BrokerMain} is
 * the command-line entry point. May depend on every other broker package and on the metadata, controller and
 * replication modules; nothing depends on it.
 */
package io.sluice.broker.server;
