/**
 * The operator's command-line tools ({@code bin/sluice-admin}): argument parsing, output, and a narrow cluster-admin
 * port implemented on the stock Kafka {@code Admin} client; depends on {@code io.sluice.metadata.zk} (the znode
 * codecs), {@code io.sluice.metadata.config}, kafka-clients and Jackson only.
 */
package io.sluice.broker.tools;
