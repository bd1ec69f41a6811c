/**
 * Replication throttles (Kafka's {@code leader/follower.replication.throttled.rate} and {@code .replicas}): the
 * windowed byte rate, which partitions of a topic are throttled on this broker, and the leader and follower quotas that
 * the fetch paths consult; depends on no Sluice package (kafka-clients' {@code TopicPartition}, Micrometer, SLF4J and
 * the JDK only).
 */
package io.sluice.replication.quota;
