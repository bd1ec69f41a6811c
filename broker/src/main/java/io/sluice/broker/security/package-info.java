/**
 * Listener security and authorization: TLS contexts and the certificate principal, SASL authentication of
 * connections (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) and the SCRAM credentials stored in ZooKeeper with their admin
 * APIs; Sluice's ACL authorizer (Kafka's {@code Authorizer} plugin interface, ACLs in ZooKeeper as Kafka stores them),
 * the CreateAcls/DescribeAcls/DeleteAcls handlers and the gates that put every API behind Kafka's checks
 * (docs/security.md#authorization); depends on {@code io.sluice.broker.network}, {@code io.sluice.broker.network.client},
 * {@code io.sluice.broker.api}, {@code io.sluice.broker.config}, {@code io.sluice.metadata.config},
 * {@code io.sluice.metadata.model}, {@code io.sluice.metadata.zk}, kafka-clients (codec, public security and
 * authorizer types), Curator, Netty and Jackson.
 */
package io.sluice.broker.security;
