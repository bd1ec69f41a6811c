/**
 * Idempotent-producer state of one partition (per producer: epoch and last five batches), its validation of leader
 * appends and its snapshot files; depends on {@code io.sluice.replication.checkpoint}, kafka-clients' record-batch
 * classes, java.nio and SLF4J.
 */
package io.sluice.replication.producer;
