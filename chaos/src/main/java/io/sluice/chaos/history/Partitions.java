package io.sluice.chaos.history;

import org.apache.kafka.common.TopicPartition;

/** The {@code topic-partition} names the history uses. */
public final class Partitions {
    private Partitions() {}

    public static String name(TopicPartition tp) {
        return tp.topic() + "-" + tp.partition();
    }

    public static TopicPartition parse(String name) {
        int dash = name.lastIndexOf('-');
        if (dash <= 0) {
            throw new IllegalArgumentException("not a topic-partition name: " + name);
        }
        return new TopicPartition(name.substring(0, dash), Integer.parseInt(name.substring(dash + 1)));
    }
}
