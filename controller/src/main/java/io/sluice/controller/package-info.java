/**
 * Sluice controller module: the controller candidate, its event handler and the partition leadership, topic and
 * deletion managers. The module depends on {@code io.sluice.metadata.*} only, never on the replication or broker
 * modules; the broker implements its ports. This package depends on {@code io.sluice.controller.assignment}, {@code
 * io.sluice.controller.channel}, {@code io.sluice.controller.context}, {@code io.sluice.controller.election}, {@code
 * io.sluice.controller.event}, {@code io.sluice.controller.leader}, {@code io.sluice.controller.statemachine}, {@code
 * io.sluice.controller.zk}, {@code io.sluice.metadata.concurrent}, {@code io.sluice.metadata.config}, {@code
 * io.sluice.metadata.model} and {@code io.sluice.metadata.zk}.
 */
package io.sluice.controller;
