package io.sluice.broker.remote;

import io.sluice.metadata.config.ZkConnect;
import io.sluice.metadata.zk.ZkClients;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.curator.framework.CuratorFramework;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.server.log.remote.storage.RemoteLogMetadataManager;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentMetadata;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentMetadataUpdate;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentState;
import org.apache.kafka.server.log.remote.storage.RemotePartitionDeleteMetadata;
import org.apache.kafka.server.log.remote.storage.RemoteResourceNotFoundException;
import org.apache.kafka.server.log.remote.storage.RemoteStorageException;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in {@link RemoteLogMetadataManager}: the metadata of every remote segment in ZooKeeper, one znode per
 * segment ({@link RemoteSegmentZNode}), so any broker of the cluster sees what any leader copied, with any
 * RemoteStorageManager. Kafka's own manager keeps the same records in the {@code __remote_log_metadata} topic; a
 * ZooKeeper-mode cluster already has a consistent store every broker reads, and a partition's segment list is small
 * (one znode per remote segment; a segment whose deletion finished is removed).
 *
 * <p>Configuration: the broker hands over its own ZooKeeper client ({@link #useClient}); loaded by class name
 * elsewhere, it connects to {@code zookeeper.connect} ({@code rlmm.config.zookeeper.connect}, else the broker's, which
 * the broker passes along).
 *
 * <p>Every call reads or writes ZooKeeper synchronously (on the remote log manager's threads, never a request
 * thread); the returned futures are complete. State transitions follow {@link RemoteLogSegmentState#isValidTransition}.
 *
 * <p>Thread-safety: safe for concurrent calls; a segment's updates are compare-and-set on its znode version.
 */
public final class ZkRemoteLogMetadataManager implements RemoteLogMetadataManager {
    private static final Logger LOG = LoggerFactory.getLogger(ZkRemoteLogMetadataManager.class);

    private volatile CuratorFramework client;
    private volatile boolean ownsClient;

    /** Shares the broker's ZooKeeper client (not closed by {@link #close()}); before {@link #configure}. */
    public void useClient(CuratorFramework shared) {
        this.client = shared;
        this.ownsClient = false;
    }

    @Override
    public void configure(Map<String, ?> configs) {
        if (client != null) {
            return;
        }
        Object connect = configs.get("zookeeper.connect");
        if (connect == null) {
            throw new IllegalArgumentException("ZkRemoteLogMetadataManager needs zookeeper.connect");
        }
        CuratorFramework own = ZkClients.newClient(ZkConnect.parse(connect.toString()), 18000, 18000);
        own.start();
        this.client = own;
        this.ownsClient = true;
    }

    private CuratorFramework client() {
        CuratorFramework c = client;
        if (c == null) {
            throw new IllegalStateException("ZkRemoteLogMetadataManager is not configured");
        }
        return c;
    }

    @Override
    public CompletableFuture<Void> addRemoteLogSegmentMetadata(RemoteLogSegmentMetadata metadata)
            throws RemoteStorageException {
        if (metadata.state() != RemoteLogSegmentState.COPY_SEGMENT_STARTED) {
            throw new IllegalArgumentException("a new segment must be COPY_SEGMENT_STARTED, not " + metadata.state());
        }
        try {
            client().create()
                    .creatingParentsIfNeeded()
                    .forPath(
                            RemoteSegmentZNode.path(metadata.remoteLogSegmentId()),
                            RemoteSegmentZNode.encode(metadata));
        } catch (Exception e) {
            throw new RemoteStorageException("cannot add " + metadata.remoteLogSegmentId(), e);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> updateRemoteLogSegmentMetadata(RemoteLogSegmentMetadataUpdate update)
            throws RemoteStorageException {
        String path = RemoteSegmentZNode.path(update.remoteLogSegmentId());
        try {
            Stat stat = new Stat();
            byte[] data = client().getData().storingStatIn(stat).forPath(path);
            RemoteLogSegmentMetadata current = RemoteSegmentZNode.decode(
                    update.topicIdPartition().topicId(),
                    update.topicIdPartition().partition(),
                    update.remoteLogSegmentId().id().toString(),
                    data);
            if (!RemoteLogSegmentState.isValidTransition(current.state(), update.state())) {
                throw new IllegalStateException(
                        "invalid transition " + current.state() + " -> " + update.state() + " of " + path);
            }
            if (update.state() == RemoteLogSegmentState.DELETE_SEGMENT_FINISHED) {
                client().delete().withVersion(stat.getVersion()).forPath(path);
            } else {
                client().setData()
                        .withVersion(stat.getVersion())
                        .forPath(path, RemoteSegmentZNode.encode(current.createWithUpdates(update)));
            }
        } catch (KeeperException.NoNodeException e) {
            throw new RemoteResourceNotFoundException("no remote segment " + update.remoteLogSegmentId(), e);
        } catch (IllegalStateException e) {
            throw e;
        } catch (Exception e) {
            throw new RemoteStorageException("cannot update " + update.remoteLogSegmentId(), e);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public Optional<RemoteLogSegmentMetadata> remoteLogSegmentMetadata(
            TopicIdPartition tip, int epochForOffset, long offset) throws RemoteStorageException {
        RemoteLogSegmentMetadata found = null;
        for (RemoteLogSegmentMetadata m : segments(tip)) {
            if (m.state() == RemoteLogSegmentState.COPY_SEGMENT_FINISHED
                    && m.startOffset() <= offset
                    && offset <= m.endOffset()
                    && m.segmentLeaderEpochs().containsKey(epochForOffset)
                    && (found == null || m.startOffset() > found.startOffset())) {
                found = m;
            }
        }
        return Optional.ofNullable(found);
    }

    @Override
    public Optional<Long> highestOffsetForEpoch(TopicIdPartition tip, int leaderEpoch) throws RemoteStorageException {
        Optional<Long> highest = Optional.empty();
        for (RemoteLogSegmentMetadata m : segments(tip)) {
            if (m.state() == RemoteLogSegmentState.COPY_SEGMENT_FINISHED
                    && m.segmentLeaderEpochs().containsKey(leaderEpoch)) {
                Map.Entry<Integer, Long> next = m.segmentLeaderEpochs().higherEntry(leaderEpoch);
                long end = next == null ? m.endOffset() : next.getValue() - 1;
                if (highest.isEmpty() || end > highest.get()) {
                    highest = Optional.of(end);
                }
            }
        }
        return highest;
    }

    @Override
    public CompletableFuture<Void> putRemotePartitionDeleteMetadata(RemotePartitionDeleteMetadata metadata) {
        // segments are deleted one by one through their own metadata; the partition-level record is not kept
        LOG.info("Partition deletion {} of {}", metadata.state(), metadata.topicIdPartition());
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public Iterator<RemoteLogSegmentMetadata> listRemoteLogSegments(TopicIdPartition tip)
            throws RemoteStorageException {
        return segments(tip).iterator();
    }

    @Override
    public Iterator<RemoteLogSegmentMetadata> listRemoteLogSegments(TopicIdPartition tip, int leaderEpoch)
            throws RemoteStorageException {
        List<RemoteLogSegmentMetadata> out = new ArrayList<>();
        for (RemoteLogSegmentMetadata m : segments(tip)) {
            if (m.segmentLeaderEpochs().containsKey(leaderEpoch)) {
                out.add(m);
            }
        }
        return out.iterator();
    }

    @Override
    public void onPartitionLeadershipChanges(Set<TopicIdPartition> leaders, Set<TopicIdPartition> followers) {}

    @Override
    public void onStopPartitions(Set<TopicIdPartition> partitions) {}

    @Override
    public long remoteLogSize(TopicIdPartition tip, int leaderEpoch) throws RemoteStorageException {
        long total = 0;
        for (RemoteLogSegmentMetadata m : segments(tip)) {
            if (m.state() == RemoteLogSegmentState.COPY_SEGMENT_FINISHED) {
                total += m.segmentSizeInBytes();
            }
        }
        return total;
    }

    /** Every segment of the partition, sorted by start offset. */
    private List<RemoteLogSegmentMetadata> segments(TopicIdPartition tip) throws RemoteStorageException {
        String parent = RemoteSegmentZNode.partitionPath(tip);
        List<RemoteLogSegmentMetadata> out = new ArrayList<>();
        try {
            List<String> children;
            try {
                children = client().getChildren().forPath(parent);
            } catch (KeeperException.NoNodeException e) {
                return out;
            }
            for (String child : children) {
                try {
                    byte[] data = client().getData().forPath(parent + "/" + child);
                    out.add(RemoteSegmentZNode.decode(tip.topicId(), tip.partition(), child, data));
                } catch (KeeperException.NoNodeException e) {
                    // deleted since the listing
                }
            }
        } catch (Exception e) {
            throw new RemoteStorageException("cannot list the remote segments of " + tip, e);
        }
        out.sort((a, b) -> Long.compare(a.startOffset(), b.startOffset()));
        return out;
    }

    @Override
    public void close() {
        CuratorFramework c = client;
        if (c != null && ownsClient) {
            c.close();
        }
    }
}
