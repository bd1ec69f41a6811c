/**
 * Client quotas as Kafka keeps them in ZooKeeper mode: quota entities ({@code /config/users}, {@code /config/clients},
 * user and client-id pairs, {@code <default>} entities), their cache on every broker followed through the
 * {@code /config/changes} notifications, DescribeClientQuotas/AlterClientQuotas, and the enforcement of
 * {@code producer_byte_rate}, {@code consumer_byte_rate} and {@code request_percentage} with throttle times
 * (docs/quotas.md); depends on {@code io.sluice.broker.api}, {@code io.sluice.broker.config},
 * {@code io.sluice.metadata.zk}, {@code io.sluice.metadata.concurrent}, {@code io.sluice.replication.quota} (the
 * windowed rate), kafka-clients (messages, principals), Curator, Micrometer and SLF4J.
 */
package io.sluice.broker.quota;
