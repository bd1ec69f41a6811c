package io.sluice.broker.metadata;

import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.Endpoint;
import io.sluice.metadata.model.SecurityProtocol;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.message.UpdateMetadataRequestData;
import org.apache.kafka.common.message.UpdateMetadataRequestData.UpdateMetadataBroker;
import org.apache.kafka.common.message.UpdateMetadataRequestData.UpdateMetadataEndpoint;
import org.apache.kafka.common.message.UpdateMetadataRequestData.UpdateMetadataPartitionState;
import org.apache.kafka.common.message.UpdateMetadataRequestData.UpdateMetadataTopicState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's view of the cluster, fed by the controller's UpdateMetadata requests and read by every request
 * handler: an immutable {@link MetadataSnapshot} swapped atomically.
 *
 * <p>Update semantics (Kafka's ZooKeeper-mode metadata cache): the live-broker list and the controller are replaced
 * by each request; partition states are merged (a request carries the partitions that changed, a new controller sends
 * them all); a partition whose leader is {@link PartitionMetadata#LEADER_DURING_DELETE} is removed, and a topic
 * without partitions is removed with its id.
 *
 * <p>Concurrency: readers take {@link #snapshot()} (a volatile read) and never lock; {@link #update} is serialized by
 * the cache's monitor, builds the next snapshot copy-on-write, publishes it, then calls the listeners in update order
 * under the same monitor.
 */
public final class MetadataCache {
    private static final Logger log = LoggerFactory.getLogger(MetadataCache.class);

    private final String logPrefix;
    private final List<MetadataListener> listeners = new CopyOnWriteArrayList<>();
    private volatile MetadataSnapshot snapshot;

    /** @param clusterId the cluster id read from (or created in) ZooKeeper at startup */
    public MetadataCache(int localBrokerId, String clusterId) {
        this.logPrefix = "[MetadataCache broker=" + localBrokerId + "]";
        this.snapshot = MetadataSnapshot.empty(clusterId);
    }

    /** The current snapshot; use one snapshot for all lookups of one request. */
    public MetadataSnapshot snapshot() {
        return snapshot;
    }

    public void addListener(MetadataListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Applies an UpdateMetadata request (any version: grouped {@code topicStates} of v5+ and the ungrouped partition
     * states of v0-v4 are both read). The caller has already checked the controller and broker epochs.
     *
     * @return the partitions the request deleted
     */
    public synchronized Set<TopicPartition> update(UpdateMetadataRequestData request) {
        MetadataSnapshot previous = snapshot;
        Map<Integer, BrokerInfo> brokers = new TreeMap<>();
        for (UpdateMetadataBroker b : request.liveBrokers()) {
            brokers.put(b.id(), brokerInfo(b));
        }

        Map<String, Uuid> sentTopicIds = new HashMap<>();
        Map<String, List<UpdateMetadataPartitionState>> byTopic = new LinkedHashMap<>();
        for (UpdateMetadataPartitionState p : request.ungroupedPartitionStates()) {
            byTopic.computeIfAbsent(p.topicName(), t -> new ArrayList<>()).add(p);
        }
        for (UpdateMetadataTopicState t : request.topicStates()) {
            byTopic.computeIfAbsent(t.topicName(), x -> new ArrayList<>()).addAll(t.partitionStates());
            if (!Uuid.ZERO_UUID.equals(t.topicId())) {
                sentTopicIds.put(t.topicName(), t.topicId());
            }
        }

        Map<String, MetadataSnapshot.TopicState> topics = new HashMap<>();
        for (String name : previous.topicNames()) {
            topics.put(name, previous.topic(name).orElseThrow());
        }
        Set<TopicPartition> deleted = new HashSet<>();
        for (Map.Entry<String, List<UpdateMetadataPartitionState>> e : byTopic.entrySet()) {
            String name = e.getKey();
            Optional<MetadataSnapshot.TopicState> old = previous.topic(name);
            TreeMap<Integer, PartitionMetadata> partitions =
                    old.map(s -> new TreeMap<>(s.partitions())).orElseGet(TreeMap::new);
            for (UpdateMetadataPartitionState p : e.getValue()) {
                TopicPartition tp = new TopicPartition(name, p.partitionIndex());
                if (p.leader() == PartitionMetadata.LEADER_DURING_DELETE) {
                    if (partitions.remove(p.partitionIndex()) != null) {
                        deleted.add(tp);
                    }
                } else {
                    partitions.put(p.partitionIndex(), partitionMetadata(tp, p));
                }
            }
            if (partitions.isEmpty()) {
                topics.remove(name);
            } else {
                Uuid id = sentTopicIds.getOrDefault(
                        name, old.map(MetadataSnapshot.TopicState::topicId).orElse(Uuid.ZERO_UUID));
                topics.put(name, new MetadataSnapshot.TopicState(name, id, partitions));
            }
        }
        Map<Uuid, String> names = new HashMap<>();
        for (MetadataSnapshot.TopicState t : topics.values()) {
            if (!Uuid.ZERO_UUID.equals(t.topicId())) {
                names.put(t.topicId(), t.name());
            }
        }
        MetadataSnapshot next = new MetadataSnapshot(
                previous.clusterId(), request.controllerId(), request.controllerEpoch(), brokers, topics, names);
        snapshot = next;
        log.debug(
                "{} applied UpdateMetadata from controller {} epoch {}: {} brokers, {} partitions updated, {} deleted",
                logPrefix,
                request.controllerId(),
                request.controllerEpoch(),
                brokers.size(),
                byTopic.values().stream().mapToInt(List::size).sum() - deleted.size(),
                deleted.size());
        for (MetadataListener listener : listeners) {
            try {
                listener.onMetadataUpdate(previous, next);
            } catch (RuntimeException ex) {
                log.error("{} metadata listener {} failed", logPrefix, listener, ex);
            }
        }
        return deleted;
    }

    private static PartitionMetadata partitionMetadata(TopicPartition tp, UpdateMetadataPartitionState p) {
        return new PartitionMetadata(
                tp,
                p.leader(),
                p.leaderEpoch(),
                p.isr(),
                p.replicas(),
                p.offlineReplicas(),
                p.zkVersion(),
                p.controllerEpoch());
    }

    private static BrokerInfo brokerInfo(UpdateMetadataBroker b) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (UpdateMetadataEndpoint e : b.endpoints()) {
            SecurityProtocol protocol = securityProtocol(e.securityProtocol());
            String listener = e.listener() == null || e.listener().isEmpty() ? protocol.name() : e.listener();
            endpoints.add(new Endpoint(listener, protocol, e.host(), e.port()));
        }
        if (endpoints.isEmpty() && b.v0Host() != null && !b.v0Host().isEmpty()) {
            endpoints.add(Endpoint.plaintext(b.v0Host(), b.v0Port()));
        }
        return new BrokerInfo(b.id(), endpoints, Optional.ofNullable(b.rack()), BrokerInfo.UNKNOWN_EPOCH);
    }

    /** Kafka's security protocol ids on the wire. */
    static SecurityProtocol securityProtocol(short id) {
        return switch (id) {
            case 0 -> SecurityProtocol.PLAINTEXT;
            case 1 -> SecurityProtocol.SSL;
            case 2 -> SecurityProtocol.SASL_PLAINTEXT;
            case 3 -> SecurityProtocol.SASL_SSL;
            default -> throw new IllegalArgumentException("Unknown security protocol id " + id);
        };
    }

    /** Kafka's wire id of {@code protocol}. */
    public static short securityProtocolId(SecurityProtocol protocol) {
        return switch (protocol) {
            case PLAINTEXT -> 0;
            case SSL -> 1;
            case SASL_PLAINTEXT -> 2;
            case SASL_SSL -> 3;
        };
    }

    // ---- lookups on the current snapshot

    public String clusterId() {
        return snapshot.clusterId();
    }

    public OptionalInt controllerId() {
        return snapshot.controllerId();
    }

    public Collection<BrokerInfo> aliveBrokers() {
        return snapshot.aliveBrokers();
    }

    public Optional<BrokerInfo> broker(int brokerId) {
        return snapshot.broker(brokerId);
    }

    public Optional<PartitionMetadata> partitionState(TopicPartition tp) {
        return snapshot.partitionState(tp);
    }

    public boolean contains(String topic) {
        return snapshot.contains(topic);
    }

    public OptionalInt numPartitions(String topic) {
        return snapshot.numPartitions(topic);
    }

    public Optional<Endpoint> leaderEndpoint(TopicPartition tp, String listenerName) {
        return snapshot.leaderEndpoint(tp, listenerName);
    }

    public List<MetadataResponseTopic> topicMetadata(Collection<String> names, String listenerName) {
        return snapshot.topicMetadata(names, listenerName, true);
    }
}
