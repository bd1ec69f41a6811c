package io.sluice.controller;

import io.sluice.metadata.config.PartitionLimits;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.server.policy.CreateTopicPolicy;

/**
 * What the controller checks topic creations against beyond Kafka's own rules.
 *
 * @param limits the partition limits in effect, read for every request (so a change of the cluster-wide dynamic
 *     defaults applies to the next request)
 * @param createTopicPolicy the operator's {@code create.topic.policy.class.name}, already configured; its owner (the
 *     broker) closes it after the controller shut down. It runs on the controller's event thread, so it must be fast
 *     and must not block.
 */
public record TopicRules(Supplier<PartitionLimits> limits, Optional<CreateTopicPolicy> createTopicPolicy) {
    /** The default limits and no policy. */
    public static final TopicRules DEFAULTS = new TopicRules(() -> PartitionLimits.DEFAULTS, Optional.empty());

    public TopicRules {
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(createTopicPolicy, "createTopicPolicy");
    }
}
