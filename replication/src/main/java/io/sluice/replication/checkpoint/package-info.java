/**
 * Small durable checkpoint files of a log directory (high watermarks, recovery points, log start offsets) and the
 * atomic-replace primitive they share; depends on no Sluice package (kafka-clients' {@code TopicPartition}, java.nio
 * and SLF4J only).
 */
package io.sluice.replication.checkpoint;
