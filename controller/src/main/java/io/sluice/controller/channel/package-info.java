/** Controller-to-broker requests: the {@code BrokerChannel} port and the per-event request batch; depends on metadata model, context and kafka-clients messages. */
package io.sluice.controller.channel;
