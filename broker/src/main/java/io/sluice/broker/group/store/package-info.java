/** The record format of __consumer_offsets and the GroupStore over an OffsetsLog, plus the topic's creation; depends on group ports and kafka-clients records. */
package io.sluice.broker.group.store;
