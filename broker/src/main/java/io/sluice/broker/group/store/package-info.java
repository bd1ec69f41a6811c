/**
 * The record format of __consumer_offsets and the GroupStore over an OffsetsLog, plus the topic's creation; depends on
 * {@code io.sluice.broker.group} (the group ports) and kafka-clients records.
 */
package io.sluice.broker.group.store;
