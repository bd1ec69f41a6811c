/**
 * Listener security: TLS contexts and the certificate principal, SASL authentication of connections (PLAIN,
 * SCRAM-SHA-256, SCRAM-SHA-512) and the SCRAM credentials stored in ZooKeeper with their admin APIs; depends on
 * {@code io.sluice.broker.network}, {@code io.sluice.broker.network.client}, {@code io.sluice.broker.api}, {@code io.sluice.broker.config},
 * {@code io.sluice.metadata.config}, {@code io.sluice.metadata.model}, {@code io.sluice.metadata.zk}, kafka-clients
 * (codec and public security types), Netty and Jackson.
 */
package io.sluice.broker.security;
