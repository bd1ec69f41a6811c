package io.sluice.broker.tools;

import io.sluice.metadata.config.ZkConnect;
import io.sluice.metadata.zk.ControllerEpochZNode;
import io.sluice.metadata.zk.ZkClients;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.PartitionReassignment;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TopicListing;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ElectionNotNeededException;

/**
 * {@link ClusterAdmin} on the stock Kafka {@link Admin} client, plus an optional ZooKeeper read of {@code
 * /controller_epoch} (the Kafka protocol does not carry the controller epoch to clients).
 *
 * <p>Concurrency: used by one thread, the CLI's; the {@link Admin} client it owns is thread-safe.
 */
final class KafkaClusterAdmin implements ClusterAdmin {
    private static final Comparator<TopicPartition> PARTITION_ORDER =
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    private final Admin admin;
    private final long timeoutMs;
    private final Optional<String> zookeeper;

    private KafkaClusterAdmin(Admin admin, long timeoutMs, Optional<String> zookeeper) {
        this.admin = admin;
        this.timeoutMs = timeoutMs;
        this.zookeeper = zookeeper;
    }

    /**
     * @param bootstrapServers {@code host:port[,host:port...]}
     * @param timeoutMs bound of every operation
     * @param zookeeper the ZooKeeper connect string to read the controller epoch from, if any
     */
    static KafkaClusterAdmin connect(
            String bootstrapServers, Map<String, String> clientProperties, int timeoutMs, Optional<String> zookeeper) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(timeoutMs, 30_000));
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "sluice-admin");
        return new KafkaClusterAdmin(Admin.create(props), timeoutMs, zookeeper);
    }

    @Override
    public ClusterView describeCluster() {
        DescribeClusterResult result = admin.describeCluster();
        Collection<Node> nodes = await(result.nodes(), "describe the cluster");
        Node controller = await(result.controller(), "find the controller");
        String clusterId = await(result.clusterId(), "read the cluster id");
        List<BrokerView> brokers = nodes.stream()
                .map(n -> new BrokerView(n.id(), n.host(), n.port(), n.rack()))
                .sorted(Comparator.comparingInt(BrokerView::id))
                .toList();
        return new ClusterView(clusterId, controller == null || controller.isEmpty() ? -1 : controller.id(), brokers);
    }

    @Override
    public List<String> listTopics() {
        Collection<TopicListing> listings = await(
                admin.listTopics(new ListTopicsOptions().listInternal(true)).listings(), "list topics");
        return listings.stream().map(TopicListing::name).sorted().toList();
    }

    @Override
    public List<TopicView> describeTopics(Collection<String> topics) {
        Collection<String> names = topics.isEmpty() ? listTopics() : topics;
        if (names.isEmpty()) {
            return List.of();
        }
        Map<String, TopicDescription> descriptions =
                await(admin.describeTopics(names).allTopicNames(), "describe topics " + names);
        Set<Integer> live = new HashSet<>();
        describeCluster().brokers().forEach(b -> live.add(b.id()));
        Map<String, Map<String, String>> configs = topicConfigs(descriptions.keySet());
        return descriptions.values().stream()
                .sorted(Comparator.comparing(TopicDescription::name))
                .map(d -> toView(d, live, configs.getOrDefault(d.name(), Map.of())))
                .toList();
    }

    private static TopicView toView(TopicDescription d, Set<Integer> live, Map<String, String> configs) {
        List<PartitionView> partitions = new ArrayList<>();
        for (TopicPartitionInfo p : d.partitions()) {
            List<Integer> replicas = ids(p.replicas());
            List<Integer> offline =
                    replicas.stream().filter(id -> !live.contains(id)).toList();
            int leader =
                    p.leader() == null || p.leader().isEmpty() ? -1 : p.leader().id();
            partitions.add(new PartitionView(p.partition(), leader, replicas, ids(p.isr()), offline));
        }
        partitions.sort(Comparator.comparingInt(PartitionView::partition));
        String topicId = d.topicId() == null ? "" : d.topicId().toString();
        return new TopicView(d.name(), topicId, d.isInternal(), List.copyOf(partitions), configs);
    }

    private static List<Integer> ids(List<Node> nodes) {
        return nodes.stream().map(Node::id).toList();
    }

    private Map<String, Map<String, String>> topicConfigs(Collection<String> topics) {
        List<ConfigResource> resources = topics.stream()
                .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t))
                .toList();
        Map<ConfigResource, Config> described =
                await(admin.describeConfigs(resources).all(), "describe the configs of " + topics);
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        described.forEach((resource, config) -> out.put(
                resource.name(),
                config.entries().stream()
                        .filter(e -> e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG)
                        .collect(Collectors.toMap(
                                ConfigEntry::name, e -> String.valueOf(e.value()), (a, b) -> b, TreeMap::new))));
        return out;
    }

    @Override
    public void createTopic(String topic, int partitions, short replicationFactor, Map<String, String> configs) {
        NewTopic newTopic = new NewTopic(topic, partitions, replicationFactor).configs(configs);
        await(admin.createTopics(List.of(newTopic), new CreateTopicsOptions()).all(), "create topic " + topic);
    }

    @Override
    public void deleteTopic(String topic) {
        await(admin.deleteTopics(List.of(topic)).all(), "delete topic " + topic);
    }

    @Override
    public void createPartitions(String topic, int totalPartitions) {
        await(
                admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(totalPartitions)))
                        .all(),
                "increase the partitions of " + topic + " to " + totalPartitions);
    }

    @Override
    public void alterTopicConfigs(String topic, Map<String, String> set, Collection<String> delete) {
        List<AlterConfigOp> ops = new ArrayList<>();
        set.forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
        delete.forEach(k -> ops.add(new AlterConfigOp(new ConfigEntry(k, null), AlterConfigOp.OpType.DELETE)));
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        await(admin.incrementalAlterConfigs(Map.of(resource, ops)).all(), "alter the configs of " + topic);
    }

    @Override
    public Map<TopicPartition, Optional<String>> electPreferredLeaders(Set<TopicPartition> partitions) {
        Map<TopicPartition, Optional<Throwable>> results = await(
                admin.electLeaders(ElectionType.PREFERRED, partitions.isEmpty() ? null : partitions)
                        .partitions(),
                "elect preferred leaders");
        Map<TopicPartition, Optional<String>> out =
                new TreeMap<>(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        results.forEach((tp, error) -> out.put(
                tp,
                error.filter(e -> !(e instanceof ElectionNotNeededException)).map(KafkaClusterAdmin::message)));
        return out;
    }

    @Override
    public Map<String, Integer> minInsyncReplicas(Collection<String> topics) {
        if (topics.isEmpty()) {
            return Map.of();
        }
        List<ConfigResource> resources = topics.stream()
                .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t))
                .toList();
        Map<ConfigResource, Config> described =
                await(admin.describeConfigs(resources).all(), "describe the configs of " + topics);
        Map<String, Integer> out = new TreeMap<>();
        described.forEach((resource, config) -> {
            ConfigEntry entry = config.get("min.insync.replicas");
            if (entry != null && entry.value() != null) {
                try {
                    out.put(resource.name(), Integer.parseInt(entry.value().trim()));
                } catch (NumberFormatException e) {
                    // not a number: the topic is judged without a min ISR
                }
            }
        });
        return out;
    }

    @Override
    public Map<TopicPartition, ReassignmentView> listReassignments() {
        Map<TopicPartition, PartitionReassignment> listed =
                await(admin.listPartitionReassignments().reassignments(), "list the partition reassignments");
        Map<TopicPartition, ReassignmentView> out = new TreeMap<>(PARTITION_ORDER);
        listed.forEach((tp, r) -> out.put(
                tp,
                new ReassignmentView(
                        List.copyOf(r.replicas()),
                        List.copyOf(r.addingReplicas()),
                        List.copyOf(r.removingReplicas()))));
        return out;
    }

    @Override
    public Map<TopicPartition, Optional<String>> alterReassignments(
            Map<TopicPartition, Optional<List<Integer>>> changes) {
        Map<TopicPartition, Optional<NewPartitionReassignment>> request = new LinkedHashMap<>();
        changes.forEach((tp, target) -> request.put(tp, target.map(NewPartitionReassignment::new)));
        Map<TopicPartition, KafkaFuture<Void>> futures =
                admin.alterPartitionReassignments(request).values();
        Map<TopicPartition, Optional<String>> out = new TreeMap<>(PARTITION_ORDER);
        for (Map.Entry<TopicPartition, KafkaFuture<Void>> e : futures.entrySet()) {
            try {
                e.getValue().get(timeoutMs, TimeUnit.MILLISECONDS);
                out.put(e.getKey(), Optional.empty());
            } catch (ExecutionException failed) {
                out.put(e.getKey(), Optional.of(message(failed.getCause())));
            } catch (TimeoutException timedOut) {
                out.put(e.getKey(), Optional.of("no answer within " + timeoutMs + " ms"));
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new AdminOperationException("Interrupted while reassigning partitions", interrupted);
            }
        }
        return out;
    }

    @Override
    public void alterBrokerConfigs(int broker, Map<String, String> set, Collection<String> delete) {
        List<AlterConfigOp> ops = new ArrayList<>();
        set.forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
        delete.forEach(k -> ops.add(new AlterConfigOp(new ConfigEntry(k, null), AlterConfigOp.OpType.DELETE)));
        ConfigResource resource = new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(broker));
        await(admin.incrementalAlterConfigs(Map.of(resource, ops)).all(), "alter the configs of broker " + broker);
    }

    @Override
    public Optional<Map<TopicPartition, Map<Integer, Long>>> replicaSizes(Collection<Integer> brokers) {
        Map<Integer, Map<String, LogDirDescription>> described;
        try {
            described = admin.describeLogDirs(brokers).allDescriptions().get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return Optional.empty(); // sizes are an extra of the progress output; a cluster without them is fine
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AdminOperationException("Interrupted while describing the log dirs", e);
        }
        Map<TopicPartition, Map<Integer, Long>> out = new TreeMap<>(PARTITION_ORDER);
        described.forEach((broker, dirs) -> dirs.values().stream()
                .filter(dir -> dir.error() == null)
                .forEach(dir -> dir.replicaInfos().forEach((tp, info) -> {
                    if (!info.isFuture()) {
                        out.computeIfAbsent(tp, k -> new TreeMap<>()).merge(broker, info.size(), Long::sum);
                    }
                })));
        return Optional.of(out);
    }

    @Override
    public OptionalInt controllerEpoch() {
        if (zookeeper.isEmpty()) {
            return OptionalInt.empty();
        }
        int sessionMs = (int) Math.max(timeoutMs, 6_000);
        try (CuratorFramework zk = ZkClients.newClient(ZkConnect.parse(zookeeper.get()), sessionMs, (int) timeoutMs)) {
            zk.start();
            if (!zk.blockUntilConnected((int) timeoutMs, TimeUnit.MILLISECONDS)) {
                throw new AdminOperationException(
                        "Cannot connect to ZooKeeper at " + zookeeper.get() + " within " + timeoutMs + " ms");
            }
            if (zk.checkExists().forPath(ControllerEpochZNode.PATH) == null) {
                return OptionalInt.empty();
            }
            return OptionalInt.of(ControllerEpochZNode.decode(zk.getData().forPath(ControllerEpochZNode.PATH)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AdminOperationException("Interrupted while reading the controller epoch", e);
        } catch (AdminOperationException e) {
            throw e;
        } catch (Exception e) {
            throw new AdminOperationException("Cannot read the controller epoch from ZooKeeper: " + message(e), e);
        }
    }

    @Override
    public void close() {
        admin.close();
    }

    private <T> T await(KafkaFuture<T> future, String what) {
        try {
            return future.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AdminOperationException("Failed to " + what + ": " + message(e.getCause()), e.getCause());
        } catch (TimeoutException e) {
            throw new AdminOperationException("Timed out after " + timeoutMs + " ms trying to " + what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AdminOperationException("Interrupted while trying to " + what, e);
        }
    }

    private static String message(Throwable t) {
        String text = t.getMessage();
        return t.getClass().getSimpleName() + (text == null || text.isBlank() ? "" : ": " + text);
    }
}
