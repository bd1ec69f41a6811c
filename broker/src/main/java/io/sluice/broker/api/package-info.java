/** Kafka API handlers and their registry; depends on kafka-clients message classes and the network package's record types only. */
package io.sluice.broker.api;
