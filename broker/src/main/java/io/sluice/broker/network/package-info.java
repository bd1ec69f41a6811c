/** Netty Kafka-protocol server: framing, request parsing, dispatch with backpressure, in-order zero-copy responses; depends on the api package, kafka-clients (codec only), Netty and Micrometer. */
package io.sluice.broker.network;
