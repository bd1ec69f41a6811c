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
import java.util.regex.Pattern;
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
 * <p>Concurrency: used only by the controller event thread (the placer's Random included).
 */
final class TopicCommands {
    private static final Logger log = LoggerFactory.getLogger(TopicCommands.class);
    private static final Pattern LEGAL_TOPIC = Pattern.compile("[a-zA-Z0-9._-]+");
    private static final int MAX_TOPIC_LENGTH = 249;

    /** A validation failure answered with {@code error}. */
    private static final class Rejected extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Errors error;

        Rejected(Errors error, String message) {
            super(message, null, false, false);
            this.error = error;
        }
    }

    private final ControllerConfig config;
    private final ControllerContext ctx;
    private final ZkStore store;
    private final ControllerZkWriter writer;
    private final PartitionLeadershipManager leadership;
    private final RackAwareReplicaPlacer placer;
    private final Random random;

    TopicCommands(
            ControllerConfig config,
            ControllerContext ctx,
            ZkStore store,
            ControllerZkWriter writer,
            PartitionLeadershipManager leadership,
            Random random) {
        this.config = config;
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
        for (CreateTopicsRequestData.CreatableTopic t : request.topics()) {
            CreateTopicsResponseData.CreatableTopicResult result =
                    new CreateTopicsResponseData.CreatableTopicResult().setName(t.name());
            try {
                if (duplicates.contains(t.name())) {
                    throw new Rejected(
                            Errors.INVALID_REQUEST,
                            "Create topics request from client contains" + " multiple entries for topic " + t.name());
                }
                TopicMetadata topic = validateAndPlace(t);
                Map<String, String> configs = new TreeMap<>();
                t.configs().forEach(c -> configs.put(c.name(), c.value()));
                if (!validateOnly) {
                    writer.createTopic(topic, configs);
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
                result.setTopicId(validateOnly ? Uuid.ZERO_UUID : topic.topicId())
                        .setNumPartitions(topic.partitionCount())
                        .setReplicationFactor((short) topic.replicationFactor());
            } catch (Rejected e) {
                result.setErrorCode(e.error.code()).setErrorMessage(e.getMessage());
            } catch (InvalidPlacementException e) {
                result.setErrorCode(e.error().code()).setErrorMessage(e.getMessage());
            } catch (ZkStoreException e) {
                if (!e.isNodeExists()) {
                    throw e;
                }
                result.setErrorCode(Errors.TOPIC_ALREADY_EXISTS.code())
                        .setErrorMessage("Topic '" + t.name() + "' already exists.");
            }
            response.topics().add(result);
        }
        return response;
    }

    private TopicMetadata validateAndPlace(CreateTopicsRequestData.CreatableTopic t) {
        validateName(t.name());
        if (ctx.topic(t.name()).isPresent() || store.topic(t.name()).isPresent()) {
            String marked = ctx.isQueuedForDeletion(t.name()) ? " It is marked for deletion." : "";
            throw new Rejected(Errors.TOPIC_ALREADY_EXISTS, "Topic '" + t.name() + "' already exists." + marked);
        }
        Map<String, String> configs = new TreeMap<>();
        t.configs().forEach(c -> configs.put(c.name(), c.value()));
        try {
            TopicConfig.validate(configs);
        } catch (ConfigException e) {
            throw new Rejected(Errors.INVALID_CONFIG, e.getMessage());
        }
        Map<Integer, List<Integer>> assignment;
        if (!t.assignments().isEmpty()) {
            if (t.numPartitions() != -1 || t.replicationFactor() != -1) {
                throw new Rejected(
                        Errors.INVALID_REQUEST,
                        "Both numPartitions or replicationFactor and"
                                + " replicasAssignments were set. Both cannot be used at the same time.");
            }
            assignment = new TreeMap<>();
            for (CreateTopicsRequestData.CreatableReplicaAssignment a : t.assignments()) {
                assignment.put(a.partitionIndex(), List.copyOf(a.brokerIds()));
            }
            RackAwareReplicaPlacer.validateManualAssignment(assignment, 0, ctx.liveBrokerIds());
        } else {
            int partitions = t.numPartitions() == -1 ? config.defaultNumPartitions() : t.numPartitions();
            int rf = t.replicationFactor() == -1 ? config.defaultReplicationFactor() : t.replicationFactor();
            if (partitions <= 0) {
                throw new Rejected(Errors.INVALID_PARTITIONS, "Number of partitions must be larger than 0.");
            }
            if (rf <= 0) {
                throw new Rejected(Errors.INVALID_REPLICATION_FACTOR, "Replication factor must be larger than 0.");
            }
            if (rf > ctx.liveBrokerIds().size()) {
                throw new Rejected(
                        Errors.INVALID_REPLICATION_FACTOR,
                        "Replication factor: " + rf + " larger than available brokers: "
                                + ctx.liveBrokerIds().size() + ".");
            }
            assignment = placer.place(placementRequest(0, partitions, rf));
        }
        return TopicMetadata.of(t.name(), TopicZNode.newTopicId(random), assignment);
    }

    CreatePartitionsResponseData createPartitions(CreatePartitionsRequestData request, boolean validateOnly) {
        CreatePartitionsResponseData response = new CreatePartitionsResponseData();
        for (CreatePartitionsRequestData.CreatePartitionsTopic t : request.topics()) {
            CreatePartitionsResponseData.CreatePartitionsTopicResult result =
                    new CreatePartitionsResponseData.CreatePartitionsTopicResult().setName(t.name());
            try {
                createPartitions(t, validateOnly);
            } catch (Rejected e) {
                result.setErrorCode(e.error.code()).setErrorMessage(e.getMessage());
            } catch (InvalidPlacementException e) {
                result.setErrorCode(e.error().code()).setErrorMessage(e.getMessage());
            } catch (ZkStoreException e) {
                if (!e.isBadVersion()) {
                    throw e;
                }
                result.setErrorCode(Errors.CONCURRENT_TRANSACTIONS.code())
                        .setErrorMessage("The topic's assignment changed concurrently; retry.");
            }
            response.results().add(result);
        }
        return response;
    }

    private void createPartitions(CreatePartitionsRequestData.CreatePartitionsTopic t, boolean validateOnly) {
        if (ctx.isQueuedForDeletion(t.name())) {
            throw new Rejected(Errors.INVALID_TOPIC_EXCEPTION, "The topic " + t.name() + " is queued for deletion.");
        }
        Versioned<TopicMetadata> current = store.topic(t.name())
                .orElseThrow(() -> new Rejected(
                        Errors.UNKNOWN_TOPIC_OR_PARTITION, "The topic '" + t.name() + "' does not exist."));
        TopicMetadata topic = current.value();
        int existing = topic.partitionCount();
        if (t.count() <= existing) {
            throw new Rejected(
                    Errors.INVALID_PARTITIONS,
                    "Topic currently has " + existing + " partitions, which is higher than or equal to the requested "
                            + t.count() + ".");
        }
        int added = t.count() - existing;
        Map<Integer, List<Integer>> assignment = new TreeMap<>();
        if (t.assignments() != null && !t.assignments().isEmpty()) {
            if (t.assignments().size() != added) {
                throw new Rejected(
                        Errors.INVALID_REPLICA_ASSIGNMENT,
                        "Increasing the number of partitions by " + added + " but "
                                + t.assignments().size() + " assignments provided.");
            }
            for (int i = 0; i < added; i++) {
                assignment.put(existing + i, List.copyOf(t.assignments().get(i).brokerIds()));
            }
            RackAwareReplicaPlacer.validateManualAssignment(assignment, existing, ctx.liveBrokerIds());
        } else {
            int rf = topic.replicationFactor();
            if (rf > ctx.liveBrokerIds().size()) {
                throw new Rejected(
                        Errors.INVALID_REPLICATION_FACTOR,
                        "Replication factor: " + rf + " larger than available brokers: "
                                + ctx.liveBrokerIds().size() + ".");
            }
            assignment.putAll(placer.place(placementRequest(existing, added, rf)));
        }
        if (validateOnly) {
            return;
        }
        Map<Integer, List<Integer>> all = new TreeMap<>(topic.assignment());
        all.putAll(assignment);
        TopicMetadata updated = TopicMetadata.of(topic.name(), topic.topicId(), all);
        writer.updateTopic(updated, current.zkVersion());
        ctx.putTopic(updated);
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

    private static void validateName(String name) {
        if (name == null || name.isEmpty()) {
            throw new Rejected(Errors.INVALID_TOPIC_EXCEPTION, "Topic name is illegal, it can't be empty");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new Rejected(Errors.INVALID_TOPIC_EXCEPTION, "Topic name cannot be \".\" or \"..\"");
        }
        if (name.length() > MAX_TOPIC_LENGTH) {
            throw new Rejected(
                    Errors.INVALID_TOPIC_EXCEPTION,
                    "Topic name is illegal, it can't be longer than " + MAX_TOPIC_LENGTH + " characters, topic name: "
                            + name);
        }
        if (!LEGAL_TOPIC.matcher(name).matches()) {
            throw new Rejected(
                    Errors.INVALID_TOPIC_EXCEPTION,
                    "Topic name \"" + name + "\" is illegal, it contains"
                            + " a character other than ASCII alphanumerics, '.', '_' and '-'");
        }
    }
}
