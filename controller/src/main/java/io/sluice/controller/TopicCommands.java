package io.sluice.controller;

import io.sluice.controller.assignment.BrokerPlacementInfo;
import io.sluice.controller.assignment.InvalidPlacementException;
import io.sluice.controller.assignment.PlacementLoad;
import io.sluice.controller.assignment.PlacementRequest;
import io.sluice.controller.assignment.RackAwareReplicaPlacer;
import io.sluice.controller.context.ControllerContext;
import io.sluice.controller.zk.ControllerZkWriter;
import io.sluice.metadata.config.ConfigException;
import io.sluice.metadata.config.TopicConfig;
import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.TopicMetadata;
import io.sluice.metadata.model.TopicNames;
import io.sluice.metadata.zk.TopicZNode;
import io.sluice.metadata.zk.Versioned;
import io.sluice.metadata.zk.ZkStore;
import io.sluice.metadata.zk.ZkStoreException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CreateTopics and CreatePartitions on the active controller: validation, placement with the rack-aware placer on
 * top of the existing load, the fenced writes of {@code /config/topics/T} and {@code /brokers/topics/T}, then in the
 * same event the initialization of the new partitions (state znodes, LeaderAndIsr, UpdateMetadata).
 *
 * <p>Every topic is validated completely before anything of it is written: the name (legal, no collision), the
 * partition limits, the size of its assignment znode and the create-topic policy ({@link TopicRequestChecks}) are
 * checked before placement or ZooKeeper sees it, so a malformed or absurd request is answered with its own error and
 * never costs the controller its seat. A write ZooKeeper's client refuses for its content
 * ({@link ZkStoreException#isRejectedLocally()}) fails that topic with {@code INVALID_REQUEST}; nothing of it was
 * written.
 *
 * <p>Concurrency: used only by the controller event thread (the placer's Random included).
 */
final class TopicCommands {

    private static final Logger log = LoggerFactory.getLogger(TopicCommands.class);

    private final ControllerConfig config;
    private final ControllerContext ctx;
    private final ZkStore store;
    private final ControllerZkWriter writer;
    private final PartitionLeadershipManager leadership;
    private final RackAwareReplicaPlacer placer;
    private final TopicRequestChecks checks;
    private final Random random;

    TopicCommands(
            ControllerConfig config,
            ControllerContext ctx,
            ZkStore store,
            ControllerZkWriter writer,
            PartitionLeadershipManager leadership,
            TopicRules rules,
            Random random) {
        this.config = config;
        this.checks = new TopicRequestChecks(rules);
        this.ctx = ctx;
        this.store = store;
        this.writer = writer;
        this.leadership = leadership;
        this.random = random;
        this.placer = new RackAwareReplicaPlacer(random);
    }

    CreateTopicsResponseData createTopics(CreateTopicsRequestData request, boolean validateOnly) {
        CreateTopicsResponseData response = new CreateTopicsResponseData();
        Set<String> seen = new HashSet<>();
        Set<String> duplicates = new HashSet<>();
        for (CreateTopicsRequestData.CreatableTopic t : request.topics()) {
            if (!seen.add(t.name())) {
                duplicates.add(t.name());
            }
        }
        TopicRequestChecks.PartitionBudget budget = checks.budget(ctx::partitionCount, validateOnly);
        for (CreateTopicsRequestData.CreatableTopic t : request.topics()) {
            CreateTopicsResponseData.CreatableTopicResult result =
                    new CreateTopicsResponseData.CreatableTopicResult().setName(t.name());
            try {
                if (duplicates.contains(t.name())) {
                    throw new TopicRequestRejected(
                            Errors.INVALID_REQUEST,
                            "Create topics request from client contains" + " multiple entries for topic " + t.name());
                }
                TopicMetadata topic = validateAndPlace(t, budget);
                Map<String, String> configs = new TreeMap<>();
                t.configs().forEach(c -> configs.put(c.name(), c.value()));
                if (!validateOnly) {
                    createTopicZnodes(topic, configs);
                    ctx.putTopic(topic);
                    leadership.initializeNewPartitions(ctx.partitionsOf(topic.name()));
                    log.info(
                            "[Controller epoch={}] created topic {} (id {}) with {} partitions, replication factor"
                                    + " {}",
                            ctx.epoch(),
                            topic.name(),
                            topic.topicId(),
                            topic.partitionCount(),
                            topic.replicationFactor());
                }
                budget.accepted(topic.partitionCount());
                result.setTopicId(validateOnly ? Uuid.ZERO_UUID : topic.topicId())
                        .setNumPartitions(topic.partitionCount())
                        .setReplicationFactor((short) topic.replicationFactor());
            } catch (TopicRequestRejected e) {
                refused(result, e.error(), e.getMessage(), t.name());
            } catch (InvalidPlacementException e) {
                refused(result, e.error(), e.getMessage(), t.name());
            } catch (ZkStoreException e) {
                if (e.isNodeExists()) {
                    refused(result, Errors.TOPIC_ALREADY_EXISTS, "Topic '" + t.name() + "' already exists.", t.name());
                } else if (e.isRejectedLocally()) {
                    refused(result, Errors.INVALID_REQUEST, e.getMessage(), t.name());
                } else {
                    throw e;
                }
            }
            response.topics().add(result);
        }
        return response;
    }

    private void refused(
            CreateTopicsResponseData.CreatableTopicResult result, Errors error, String message, String topic) {
        result.setErrorCode(error.code()).setErrorMessage(message);
        log.info(
                "[Controller epoch={}] refused to create topic {}: {} ({})",
                ctx.epoch(),
                printable(topic),
                message,
                error);
    }

    private TopicMetadata validateAndPlace(
            CreateTopicsRequestData.CreatableTopic t, TopicRequestChecks.PartitionBudget budget) {
        TopicRequestChecks.checkName(t.name());
        if (ctx.topic(t.name()).isPresent() || store.topic(t.name()).isPresent()) {
            String marked = ctx.isQueuedForDeletion(t.name()) ? " It is marked for deletion." : "";
            throw new TopicRequestRejected(
                    Errors.TOPIC_ALREADY_EXISTS, "Topic '" + t.name() + "' already exists." + marked);
        }
        TopicRequestChecks.checkCollision(t.name(), ctx.topics().keySet());
        Map<String, String> configs = new TreeMap<>();
        t.configs().forEach(c -> configs.put(c.name(), c.value()));
        try {
            TopicConfig.validate(configs);
        } catch (ConfigException e) {
            throw new TopicRequestRejected(Errors.INVALID_CONFIG, e.getMessage());
        }
        Map<Integer, List<Integer>> manual = null;
        Map<Integer, List<Integer>> assignment;
        int partitions;
        int rf;
        if (!t.assignments().isEmpty()) {
            if (t.numPartitions() != -1 || t.replicationFactor() != -1) {
                throw new TopicRequestRejected(
                        Errors.INVALID_REQUEST,
                        "Both numPartitions or replicationFactor and"
                                + " replicasAssignments were set. Both cannot be used at the same time.");
            }
            budget.check(t.assignments().size());
            manual = new TreeMap<>();
            for (CreateTopicsRequestData.CreatableReplicaAssignment a : t.assignments()) {
                manual.put(a.partitionIndex(), List.copyOf(a.brokerIds()));
            }
            RackAwareReplicaPlacer.validateManualAssignment(manual, 0, ctx.liveBrokerIds());
            assignment = manual;
            partitions = manual.size();
            rf = manual.values().iterator().next().size();
        } else {
            partitions = t.numPartitions() == -1 ? config.defaultNumPartitions() : t.numPartitions();
            rf = t.replicationFactor() == -1 ? config.defaultReplicationFactor() : t.replicationFactor();
            if (partitions <= 0) {
                throw new TopicRequestRejected(
                        Errors.INVALID_PARTITIONS, "Number of partitions must be larger than 0.");
            }
            if (rf <= 0) {
                throw new TopicRequestRejected(
                        Errors.INVALID_REPLICATION_FACTOR, "Replication factor must be larger than 0.");
            }
            budget.check(partitions);
            checkReplicationFactor(rf);
            assignment = placer.place(placementRequest(0, partitions, rf));
        }
        TopicMetadata topic = TopicMetadata.of(t.name(), TopicZNode.newTopicId(random), assignment);
        TopicRequestChecks.checkAssignmentSize(topic);
        checks.checkPolicy(t.name(), partitions, rf, manual, configs);
        return topic;
    }

    private void checkReplicationFactor(int rf) {
        if (rf > ctx.liveBrokerIds().size()) {
            throw new TopicRequestRejected(
                    Errors.INVALID_REPLICATION_FACTOR,
                    "Replication factor: " + rf + " larger than available brokers: "
                            + ctx.liveBrokerIds().size() + ".");
        }
    }

    CreatePartitionsResponseData createPartitions(CreatePartitionsRequestData request, boolean validateOnly) {
        CreatePartitionsResponseData response = new CreatePartitionsResponseData();
        TopicRequestChecks.PartitionBudget budget = checks.budget(ctx::partitionCount, validateOnly);
        for (CreatePartitionsRequestData.CreatePartitionsTopic t : request.topics()) {
            CreatePartitionsResponseData.CreatePartitionsTopicResult result =
                    new CreatePartitionsResponseData.CreatePartitionsTopicResult().setName(t.name());
            try {
                createPartitions(t, validateOnly, budget);
            } catch (TopicRequestRejected e) {
                refused(result, e.error(), e.getMessage(), t.name());
            } catch (InvalidPlacementException e) {
                refused(result, e.error(), e.getMessage(), t.name());
            } catch (ZkStoreException e) {
                if (e.isBadVersion()) {
                    refused(
                            result,
                            Errors.CONCURRENT_TRANSACTIONS,
                            "The topic's assignment changed concurrently; retry.",
                            t.name());
                } else if (e.isRejectedLocally()) {
                    refused(result, Errors.INVALID_REQUEST, e.getMessage(), t.name());
                } else {
                    throw e;
                }
            }
            response.results().add(result);
        }
        return response;
    }

    private void refused(
            CreatePartitionsResponseData.CreatePartitionsTopicResult result,
            Errors error,
            String message,
            String topic) {
        result.setErrorCode(error.code()).setErrorMessage(message);
        log.info(
                "[Controller epoch={}] refused to add partitions to topic {}: {} ({})",
                ctx.epoch(),
                printable(topic),
                message,
                error);
    }

    private void createPartitions(
            CreatePartitionsRequestData.CreatePartitionsTopic t,
            boolean validateOnly,
            TopicRequestChecks.PartitionBudget budget) {
        TopicRequestChecks.checkName(t.name());
        if (ctx.isQueuedForDeletion(t.name())) {
            throw new TopicRequestRejected(
                    Errors.INVALID_TOPIC_EXCEPTION, "The topic " + t.name() + " is queued for deletion.");
        }
        Versioned<TopicMetadata> current = store.topic(t.name())
                .orElseThrow(() -> new TopicRequestRejected(
                        Errors.UNKNOWN_TOPIC_OR_PARTITION, "The topic '" + t.name() + "' does not exist."));
        TopicMetadata topic = current.value();
        int existing = topic.partitionCount();
        if (t.count() < existing) {
            throw new TopicRequestRejected(
                    Errors.INVALID_PARTITIONS,
                    "Topic currently has " + existing + " partitions, which is higher than the requested " + t.count()
                            + ".");
        }
        if (t.count() == existing) {
            throw new TopicRequestRejected(Errors.INVALID_PARTITIONS, "Topic already has " + existing + " partitions.");
        }
        int added = t.count() - existing;
        budget.check(added);
        Map<Integer, List<Integer>> assignment = new TreeMap<>();
        if (t.assignments() != null && !t.assignments().isEmpty()) {
            if (t.assignments().size() != added) {
                throw new TopicRequestRejected(
                        Errors.INVALID_REPLICA_ASSIGNMENT,
                        "Increasing the number of partitions by " + added + " but "
                                + t.assignments().size() + " assignments provided.");
            }
            for (int i = 0; i < added; i++) {
                assignment.put(existing + i, List.copyOf(t.assignments().get(i).brokerIds()));
            }
            RackAwareReplicaPlacer.validateManualAssignment(assignment, existing, ctx.liveBrokerIds());
        } else {
            checkReplicationFactor(topic.replicationFactor());
            assignment.putAll(placer.place(placementRequest(existing, added, topic.replicationFactor())));
        }
        Map<Integer, List<Integer>> all = new TreeMap<>(topic.assignment());
        all.putAll(assignment);
        TopicMetadata updated = TopicMetadata.of(topic.name(), topic.topicId(), all);
        TopicRequestChecks.checkAssignmentSize(updated);
        if (validateOnly) {
            budget.accepted(added);
            return;
        }
        writer.updateTopic(updated, current.zkVersion());
        ctx.putTopic(updated);
        budget.accepted(added);
        List<TopicPartition> fresh = new ArrayList<>();
        assignment.keySet().forEach(p -> fresh.add(new TopicPartition(t.name(), p)));
        leadership.initializeNewPartitions(fresh);
        log.info("[Controller epoch={}] topic {} now has {} partitions", ctx.epoch(), t.name(), t.count());
    }

    private PlacementRequest placementRequest(int firstPartition, int partitions, int rf) {
        List<BrokerPlacementInfo> brokers = new ArrayList<>();
        int withRack = 0;
        for (BrokerInfo b : ctx.liveBrokers().values()) {
            brokers.add(new BrokerPlacementInfo(b.id(), b.rack()));
            if (b.rack().isPresent()) {
                withRack++;
            }
        }
        boolean mixedRacks = withRack > 0 && withRack < brokers.size();
        if (mixedRacks && config.ignoreRacks()) {
            log.warn(
                    "[Controller epoch={}] only {} of {} live brokers have a rack; placing without racks"
                            + " (replica.placement.ignore.racks=true)",
                    ctx.epoch(),
                    withRack,
                    brokers.size());
        }
        PlacementLoad load = PlacementLoad.fromAssignments(ctx.topics().values().stream()
                .flatMap(tm -> tm.assignment().values().stream())
                .toList());
        return new PlacementRequest(brokers, firstPartition, partitions, rf, load, mixedRacks && config.ignoreRacks());
    }

    /** {@code topic} safe to log: control and non-ASCII characters escaped. */
    private static String printable(String topic) {
        return TopicNames.printable(topic);
    }

    /**
     * Writes the topic's znodes. ZooKeeper's client resends a write whose answer was lost with the connection; when
     * the first send had been applied, the resend finds the topic there. The topic id tells that case (the topic is
     * this request's own, created) from a topic that another request created ({@code NODEEXISTS}, answered
     * TOPIC_ALREADY_EXISTS).
     */
    private void createTopicZnodes(TopicMetadata topic, Map<String, String> configs) {
        try {
            writer.createTopic(topic, configs);
        } catch (ZkStoreException e) {
            if (e.isNodeExists()
                    && store.topic(topic.name())
                            .map(v -> v.value().topicId().equals(topic.topicId()))
                            .orElse(false)) {
                log.info(
                        "[Controller epoch={}] topic {} (id {}) was written by this request before its ZooKeeper"
                                + " answer was lost",
                        ctx.epoch(),
                        topic.name(),
                        topic.topicId());
                return;
            }
            throw e;
        }
    }
}
