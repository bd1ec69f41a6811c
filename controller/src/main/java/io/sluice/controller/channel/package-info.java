/**
 * Controller-to-broker requests: the {@code BrokerChannel} port and the per-event request batch; depends on {@code
 * io.sluice.metadata.model}, {@code io.sluice.controller.context} and kafka-clients messages.
 */
package io.sluice.controller.channel;
