package io.sluice.controller.context;

import org.apache.kafka.common.TopicPartition;

/** One replica: a partition hosted by one broker. */
public record ReplicaKey(TopicPartition partition, int brokerId) {}
