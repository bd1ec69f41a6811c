package io.sluice.broker.fetch;

import java.util.Objects;
import org.apache.kafka.common.Uuid;

/**
 * A partition as a fetch session names it: by topic id for Fetch v13+ ({@code topic} is empty then), by topic name
 * before ({@code topicId} is {@link Uuid#ZERO_UUID} then).
 */
public record PartitionKey(Uuid topicId, String topic, int partition) {

    public PartitionKey {
        Objects.requireNonNull(topicId, "topicId");
        Objects.requireNonNull(topic, "topic");
    }

    static PartitionKey of(boolean usesTopicIds, Uuid topicId, String topic, int partition) {
        return usesTopicIds
                ? new PartitionKey(topicId, "", partition)
                : new PartitionKey(Uuid.ZERO_UUID, topic == null ? "" : topic, partition);
    }
}
