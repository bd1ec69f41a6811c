package io.sluice.controller;

import io.sluice.metadata.config.PartitionLimits;
import io.sluice.metadata.model.TopicMetadata;
import io.sluice.metadata.model.TopicNames;
import io.sluice.metadata.zk.TopicZNode;
import io.sluice.metadata.zk.ZkLimits;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.server.policy.CreateTopicPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checks of CreateTopics and CreatePartitions beyond placement, each refusing a topic with
 * {@link TopicRequestRejected} (Kafka's error code and a message naming the rule or limit) before anything is written:
 *
 * <ul>
 *   <li>a legal name ({@link TopicNames}), else {@code INVALID_TOPIC_EXCEPTION}; this also keeps names that are not
 *       valid ZooKeeper path elements away from ZooKeeper;
 *   <li>no collision with an existing topic ({@code dot.name} next to {@code dot_name}), else
 *       {@code INVALID_TOPIC_EXCEPTION};
 *   <li>the partition limits ({@link PartitionBudget}): per request {@code INVALID_PARTITIONS}, per cluster
 *       {@code POLICY_VIOLATION};
 *   <li>an assignment znode of at most {@link ZkLimits#MAX_TOPIC_ZNODE_BYTES}, else {@code INVALID_PARTITIONS};
 *   <li>the operator's {@link CreateTopicPolicy} (CreateTopics only, as in Kafka): a
 *       {@link PolicyViolationException} is {@code POLICY_VIOLATION} with its message.
 * </ul>
 *
 * <p>Concurrency: used only by the controller event thread.
 */
final class TopicRequestChecks {
    private static final Logger log = LoggerFactory.getLogger(TopicRequestChecks.class);

    private final TopicRules rules;

    TopicRequestChecks(TopicRules rules) {
        this.rules = rules;
    }

    static void checkName(String topic) {
        Optional<String> invalid = TopicNames.invalidReason(topic);
        if (invalid.isPresent()) {
            throw new TopicRequestRejected(Errors.INVALID_TOPIC_EXCEPTION, invalid.get());
        }
    }

    static void checkCollision(String topic, Collection<String> existing) {
        Optional<String> collision = TopicNames.collisionReason(topic, existing);
        if (collision.isPresent()) {
            throw new TopicRequestRejected(Errors.INVALID_TOPIC_EXCEPTION, collision.get());
        }
    }

    /**
     * The partition budget of one request, with the limits in effect now.
     *
     * @param clusterPartitions the partitions the cluster has now (including what the request already created)
     * @param validateOnly whether the request creates nothing, so that its earlier topics are not in
     *     {@code clusterPartitions} and count here instead
     */
    PartitionBudget budget(LongSupplier clusterPartitions, boolean validateOnly) {
        return new PartitionBudget(rules.limits().get(), clusterPartitions, validateOnly);
    }

    /** Refuses a topic whose assignment znode would be larger than {@link ZkLimits#MAX_TOPIC_ZNODE_BYTES}. */
    static void checkAssignmentSize(TopicMetadata topic) {
        int bytes = TopicZNode.encode(topic).length;
        if (bytes > ZkLimits.MAX_TOPIC_ZNODE_BYTES) {
            throw new TopicRequestRejected(
                    Errors.INVALID_PARTITIONS,
                    "Topic '" + topic.name() + "' with " + topic.partitionCount()
                            + " partitions and replication factor "
                            + topic.replicationFactor() + " would need a " + bytes + "-byte assignment in ZooKeeper,"
                            + " above the limit of " + ZkLimits.MAX_TOPIC_ZNODE_BYTES
                            + " bytes (half of jute.maxbuffer=" + ZkLimits.JUTE_MAX_BUFFER + "); use fewer partitions");
        }
    }

    /**
     * Consults the CreateTopicPolicy, if one is configured, with what Kafka passes it: the resolved partition count
     * and replication factor when the request has no manual assignment, else {@code null} for both and the assignment;
     * the request's configs.
     */
    void checkPolicy(
            String topic,
            int partitions,
            int replicationFactor,
            Map<Integer, List<Integer>> manualAssignment,
            Map<String, String> configs) {
        if (rules.createTopicPolicy().isEmpty()) {
            return;
        }
        CreateTopicPolicy policy = rules.createTopicPolicy().get();
        boolean manual = manualAssignment != null;
        CreateTopicPolicy.RequestMetadata request = new CreateTopicPolicy.RequestMetadata(
                topic,
                manual ? null : partitions,
                manual ? null : (short) replicationFactor,
                manual ? Map.copyOf(manualAssignment) : null,
                new HashMap<>(configs));
        try {
            policy.validate(request);
        } catch (PolicyViolationException e) {
            throw new TopicRequestRejected(Errors.POLICY_VIOLATION, e.getMessage());
        } catch (ApiException e) {
            throw new TopicRequestRejected(Errors.forException(e), e.getMessage());
        } catch (RuntimeException e) {
            log.error(
                    "CreateTopicPolicy {} failed on topic {}", policy.getClass().getName(), topic, e);
            throw new TopicRequestRejected(
                    Errors.UNKNOWN_SERVER_ERROR,
                    "The create topic policy " + policy.getClass().getName() + " failed: " + e);
        }
    }

    /**
     * The partitions one request may still add: {@link #check} before placing a topic, {@link #accepted} once it is
     * created (or validated, for a validate-only request).
     */
    static final class PartitionBudget {
        private final PartitionLimits limits;
        private final LongSupplier clusterPartitions;
        private final boolean validateOnly;
        private long addedInRequest;

        private PartitionBudget(PartitionLimits limits, LongSupplier clusterPartitions, boolean validateOnly) {
            this.limits = limits;
            this.clusterPartitions = clusterPartitions;
            this.validateOnly = validateOnly;
        }

        void check(long adding) {
            Optional<String> request = limits.requestLimitExceeded(addedInRequest, adding);
            if (request.isPresent()) {
                throw new TopicRequestRejected(Errors.INVALID_PARTITIONS, request.get());
            }
            long existing = clusterPartitions.getAsLong() + (validateOnly ? addedInRequest : 0);
            Optional<String> cluster = limits.clusterLimitExceeded(existing, adding);
            if (cluster.isPresent()) {
                throw new TopicRequestRejected(Errors.POLICY_VIOLATION, cluster.get());
            }
        }

        void accepted(long added) {
            addedInRequest += added;
        }
    }
}
