/**
 * Pure leader election rules and leader-imbalance detection; no I/O, depends on no Sluice package (the JDK and
 * kafka-clients {@code TopicPartition} only).
 */
package io.sluice.controller.leader;
