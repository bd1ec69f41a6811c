/**
 * Netty Kafka-protocol server: framing, request parsing, dispatch with backpressure, in-order zero-copy responses;
 * depends on {@code io.sluice.broker.api}, kafka-clients (codec only), Netty and Micrometer.
 */
package io.sluice.broker.network;
