package io.sluice.broker.api.handlers;

import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.protocol.Errors;

/**
 * Port: asks the controller to create a topic with the broker's defaults ({@code num.partitions},
 * {@code default.replication.factor}) because a client asked for it in a Metadata request and
 * {@code auto.create.topics.enable} is on.
 */
@FunctionalInterface
public interface AutoTopicCreator {

    /**
     * Starts creating {@code topic} (a legal, currently unknown name). Must not block.
     *
     * @return {@code NONE} once the creation is accepted, {@code TOPIC_ALREADY_EXISTS} if it raced with another
     *     creation, or the error that refused it (e.g. {@code INVALID_REPLICATION_FACTOR} with too few brokers)
     */
    CompletionStage<Errors> create(String topic);
}
