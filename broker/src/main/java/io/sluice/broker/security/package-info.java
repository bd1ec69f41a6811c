/**
 * Authorization: Sluice's ACL authorizer (Kafka's {@code Authorizer} plugin interface, ACLs in ZooKeeper as Kafka
 * stores them), the CreateAcls/DescribeAcls/DeleteAcls handlers and the gates that put every API behind Kafka's
 * checks (docs/security.md#authorization); depends on {@code io.sluice.broker.api}, {@code io.sluice.metadata.config}
 * and {@code io.sluice.metadata.zk} (the ACL znodes), Curator and kafka-clients' authorizer and message types.
 */
package io.sluice.broker.security;
