/**
 * Sluice broker module. The module depends on {@code io.sluice.metadata.*}, {@code io.sluice.controller.*} and {@code
 * io.sluice.replication.*}: the broker wires the other modules together and implements their ports.
 */
package io.sluice.broker;
