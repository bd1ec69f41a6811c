package io.sluice.broker.ui;

import io.sluice.broker.metadata.MetadataSnapshot;
import io.sluice.broker.metadata.MetadataSnapshot.TopicState;
import io.sluice.broker.metadata.PartitionMetadata;
import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.TopicNames;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The document behind the cluster page ({@code /ui/cluster.json}), built from what the broker already holds: its
 * metadata snapshot (brokers, racks, controller, partition states, as the controller last sent them) and the groups
 * its coordinator owns. Nothing here touches ZooKeeper or the network.
 *
 * <p>A snapshot lists live brokers only; to keep a dead broker on the page with its rack, the view remembers every
 * broker it has seen alive. A replica on a broker never seen alive shows without a rack.
 *
 * <p>Partition status: {@code offline} without a live leader, else {@code under-replicated} when the ISR is smaller
 * than the replica set, else {@code ok}.
 *
 * <p>Concurrency: safe from any thread; the remembered racks are a concurrent map, everything else is read from the
 * immutable snapshot and the group supplier.
 */
public final class ClusterView {
    static final String OK = "ok";
    static final String UNDER_REPLICATED = "under-replicated";
    static final String OFFLINE = "offline";

    /** One broker on the page. */
    public record BrokerView(int id, String rack, boolean alive, boolean controller) {}

    /** One partition: its replicas, ISR and leader, and the status they give. */
    public record PartitionView(
            int partition,
            int leader,
            List<Integer> replicas,
            List<Integer> isr,
            List<Integer> offline,
            String status) {}

    /** One topic with its partitions by index and the count of each unhealthy status. */
    public record TopicView(
            String name, boolean internal, int underReplicated, int offline, List<PartitionView> partitions) {}

    /** The counts at the top of the page. */
    public record Summary(
            int brokersAlive, int brokers, int topics, int partitions, int underReplicated, int offline) {}

    /** The whole document. */
    public record Document(
            int broker,
            String clusterId,
            Integer controller,
            int controllerEpoch,
            long generatedAtMs,
            Summary summary,
            List<BrokerView> brokers,
            List<TopicView> topics,
            GroupSummaries.Groups groups) {}

    private final int localBrokerId;
    private final Supplier<MetadataSnapshot> snapshots;
    private final Supplier<GroupSummaries.Groups> groups;
    private final Map<Integer, Optional<String>> seenRacks = new ConcurrentHashMap<>();

    /**
     * @param localBrokerId the broker serving the page
     * @param snapshots the broker's current metadata snapshot (a volatile read)
     * @param groups the groups this broker coordinates
     */
    public ClusterView(
            int localBrokerId, Supplier<MetadataSnapshot> snapshots, Supplier<GroupSummaries.Groups> groups) {
        this.localBrokerId = localBrokerId;
        this.snapshots = Objects.requireNonNull(snapshots, "snapshots");
        this.groups = Objects.requireNonNull(groups, "groups");
    }

    /** The document for the current snapshot, stamped {@code nowMs}. */
    public Document document(long nowMs) {
        MetadataSnapshot snapshot = snapshots.get();
        for (BrokerInfo broker : snapshot.aliveBrokers()) {
            seenRacks.put(broker.id(), broker.rack());
        }
        int controller = snapshot.controllerId().orElse(-1);

        List<TopicView> topics = new ArrayList<>();
        TreeSet<Integer> replicaBrokers = new TreeSet<>();
        int partitions = 0;
        int underReplicated = 0;
        int offline = 0;
        for (String name : new TreeSet<>(snapshot.topicNames())) {
            Optional<TopicState> state = snapshot.topic(name);
            if (state.isEmpty()) {
                continue;
            }
            List<PartitionView> views = new ArrayList<>();
            int topicUnder = 0;
            int topicOffline = 0;
            for (PartitionMetadata p : state.get().partitions().values()) {
                if (p.leader() == PartitionMetadata.LEADER_DURING_DELETE) {
                    continue;
                }
                replicaBrokers.addAll(p.replicas());
                String status = status(snapshot, p);
                if (status.equals(OFFLINE)) {
                    topicOffline++;
                } else if (status.equals(UNDER_REPLICATED)) {
                    topicUnder++;
                }
                views.add(new PartitionView(
                        p.topicPartition().partition(),
                        p.leader(),
                        p.replicas(),
                        p.isr(),
                        p.offlineReplicas(),
                        status));
            }
            partitions += views.size();
            underReplicated += topicUnder;
            offline += topicOffline;
            topics.add(new TopicView(name, TopicNames.isInternal(name), topicUnder, topicOffline, views));
        }

        Map<Integer, BrokerView> brokers = new TreeMap<>();
        for (Map.Entry<Integer, Optional<String>> seen : seenRacks.entrySet()) {
            int id = seen.getKey();
            brokers.put(id, new BrokerView(id, seen.getValue().orElse(null), snapshot.isAlive(id), id == controller));
        }
        for (int id : replicaBrokers) {
            brokers.computeIfAbsent(id, b -> new BrokerView(b, null, snapshot.isAlive(b), b == controller));
        }
        List<BrokerView> byRack = new ArrayList<>(brokers.values());
        byRack.sort(Comparator.comparing((BrokerView b) -> b.rack() == null ? "\uffff" : b.rack())
                .thenComparingInt(BrokerView::id));
        int alive = (int) byRack.stream().filter(BrokerView::alive).count();

        return new Document(
                localBrokerId,
                snapshot.clusterId(),
                controller < 0 ? null : controller,
                snapshot.controllerEpoch(),
                nowMs,
                new Summary(alive, byRack.size(), topics.size(), partitions, underReplicated, offline),
                byRack,
                topics,
                groups.get());
    }

    private static String status(MetadataSnapshot snapshot, PartitionMetadata p) {
        if (!p.hasLeader() || !snapshot.isAlive(p.leader())) {
            return OFFLINE;
        }
        return p.isr().size() < p.replicas().size() ? UNDER_REPLICATED : OK;
    }
}
