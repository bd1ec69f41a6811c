/**
 * The history of a chaos run: the event records, their JSON-lines format, writer and reader. Depends on no Sluice
 * package (Jackson and kafka-clients' {@code TopicPartition} only); everything else in the chaos module reads or
 * writes these events.
 */
package io.sluice.chaos.history;
