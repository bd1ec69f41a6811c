package io.sluice.broker.it;

import java.util.Map;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.server.policy.CreateTopicPolicy;

/**
 * A create-topic policy for the integration tests ({@code create.topic.policy.class.name}): refuses every topic whose
 * name starts with {@value #PREFIX}, naming the broker it was configured on.
 */
public final class ForbiddenPrefixPolicy implements CreateTopicPolicy {
    public static final String PREFIX = "forbidden";

    private volatile String brokerId = "?";

    @Override
    public void configure(Map<String, ?> configs) {
        brokerId = String.valueOf(configs.get("broker.id"));
    }

    @Override
    public void validate(RequestMetadata request) {
        if (request.topic().startsWith(PREFIX)) {
            throw new PolicyViolationException(message(request.topic(), brokerId));
        }
    }

    /** The violation message for {@code topic} on the controller {@code brokerId}. */
    static String message(String topic, Object brokerId) {
        return "Topic " + topic + " is refused: names starting with '" + PREFIX + "' are not allowed (policy on broker "
                + brokerId + ")";
    }

    @Override
    public void close() {}
}
