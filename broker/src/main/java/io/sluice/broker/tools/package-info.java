/**
 * The operator's command-line tools ({@code bin/sluice-admin}): argument parsing, output, and a narrow cluster-admin
 * port implemented on the stock Kafka {@code Admin} client; depends on kafka-clients, Jackson and the metadata module's
 * znode codecs only.
 */
package io.sluice.broker.tools;
