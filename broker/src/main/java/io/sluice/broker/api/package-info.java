/**
 * Kafka API handlers' contract and their registry; depends on no Sluice package (kafka-clients message classes only).
 */
package io.sluice.broker.api;
