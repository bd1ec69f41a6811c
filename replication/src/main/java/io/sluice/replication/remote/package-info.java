/**
 * Tiered storage (KIP-405): the {@link io.sluice.replication.remote.RemoteLogManager}, which copies rolled segments
 * to the remote tier, applies total retention there and serves reads below the local log start through Kafka's
 * {@code RemoteStorageManager} and {@code RemoteLogMetadataManager} plugin interfaces (kafka-storage-api), and the
 * built-in filesystem {@code RemoteStorageManager}; depends on {@code io.sluice.replication.partition} (the {@code
 * TieredStorage} port it implements, the partitions it tiers), {@code io.sluice.replication.log}, {@code
 * io.sluice.replication.epoch}, {@code io.sluice.replication.producer}, kafka-clients, kafka-storage-api, SLF4J and
 * Micrometer.
 */
package io.sluice.replication.remote;
