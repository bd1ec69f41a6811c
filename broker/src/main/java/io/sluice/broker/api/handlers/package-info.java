/** Client-facing Kafka API handlers, one class per API key; depend on api, the metadata cache and the broker components each one fronts. */
package io.sluice.broker.api.handlers;
