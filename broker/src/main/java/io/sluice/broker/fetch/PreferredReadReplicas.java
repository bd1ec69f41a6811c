package io.sluice.broker.fetch;

import io.sluice.broker.metadata.MetadataCache;
import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.Endpoint;
import io.sluice.replication.partition.Partition;
import io.sluice.replication.partition.PartitionState;
import io.sluice.replication.partition.ReplicaManager;
import io.sluice.replication.partition.ReplicaState;
import java.time.Clock;
import java.util.HashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.replica.ClientMetadata;
import org.apache.kafka.common.replica.PartitionView;
import org.apache.kafka.common.replica.ReplicaSelector;
import org.apache.kafka.common.replica.ReplicaView;

/**
 * Follower fetching (KIP-392, docs/design.md#follower-fetching): on the leader, asks the configured {@code
 * replica.selector.class} which replica a consumer should read a partition from. The candidates are, as in Kafka, the
 * leader and the in-sync followers that hold the consumer's fetch offset (log start ≤ offset ≤ log end), each with its
 * rack, log end offset and time since it was last caught up. A choice other than this broker is sent to the consumer
 * as {@code preferred_read_replica}, with no records.
 *
 * <p>Thread-safety: safe for concurrent use if the selector is (Kafka's {@code RackAwareReplicaSelector} is
 * stateless).
 */
public final class PreferredReadReplicas {
    private final int localBrokerId;
    private final ReplicaSelector selector;
    private final ReplicaManager replicas;
    private final MetadataCache cache;
    private final Clock clock;

    public PreferredReadReplicas(
            int localBrokerId, ReplicaSelector selector, ReplicaManager replicas, MetadataCache cache, Clock clock) {
        this.localBrokerId = localBrokerId;
        this.selector = Objects.requireNonNull(selector, "selector");
        this.replicas = Objects.requireNonNull(replicas, "replicas");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * The replica other than this broker that {@code client} should fetch {@code tp} from at {@code fetchOffset};
     * empty when this broker is not the leader, or the selector picks the leader or nothing.
     */
    public OptionalInt select(TopicPartition tp, long fetchOffset, ClientMetadata client) {
        Optional<Partition> found = replicas.partition(tp);
        if (found.isEmpty() || !found.get().isLeader()) {
            return OptionalInt.empty();
        }
        Partition partition = found.get();
        PartitionState state = partition.state();
        String listener = client.listenerName();
        Optional<Node> leaderNode = node(localBrokerId, listener);
        if (leaderNode.isEmpty()) {
            return OptionalInt.empty();
        }
        ReplicaView leader = new ReplicaView.DefaultReplicaView(leaderNode.get(), partition.logEndOffset(), 0L);
        Set<ReplicaView> views = new HashSet<>();
        views.add(leader);
        long now = clock.millis();
        for (int replica : state.isr()) {
            if (replica == localBrokerId) {
                continue;
            }
            Optional<ReplicaState> follower = partition.followerState(replica);
            Optional<Node> node = node(replica, listener);
            if (follower.isEmpty() || node.isEmpty()) {
                continue;
            }
            ReplicaState f = follower.get();
            if (f.logEndOffset() < fetchOffset || f.logStartOffset() > fetchOffset) {
                continue;
            }
            views.add(new ReplicaView.DefaultReplicaView(
                    node.get(), f.logEndOffset(), Math.max(0L, now - f.lastCaughtUpTimeMs())));
        }
        Optional<ReplicaView> chosen =
                selector.select(tp, client, new PartitionView.DefaultPartitionView(views, leader));
        if (chosen.isEmpty()
                || chosen.get().endpoint().isEmpty()
                || chosen.get().endpoint().id() == localBrokerId) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(chosen.get().endpoint().id());
    }

    private Optional<Node> node(int brokerId, String listener) {
        Optional<BrokerInfo> broker = cache.broker(brokerId);
        if (broker.isEmpty()) {
            return Optional.empty();
        }
        Optional<Endpoint> endpoint = broker.get().endpoint(listener);
        return endpoint.map(
                e -> new Node(brokerId, e.host(), e.port(), broker.get().rack().orElse(null)));
    }
}
