package io.sluice.broker.remote;

import io.sluice.metadata.config.ZkConnect;
import io.sluice.metadata.zk.ZkClientSecurity;
import io.sluice.metadata.zk.ZkClients;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.BackgroundCallback;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.server.log.remote.storage.RemoteLogMetadataManager;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentMetadata;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentMetadataUpdate;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentState;
import org.apache.kafka.server.log.remote.storage.RemotePartitionDeleteMetadata;
import org.apache.kafka.server.log.remote.storage.RemoteResourceNotFoundException;
import org.apache.kafka.server.log.remote.storage.RemoteStorageException;
import org.apache.zookeeper.KeeperException;
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
 * the broker passes along). {@code rlmm.config.zookeeper.request.timeout.ms} (default {@value
 * #DEFAULT_REQUEST_TIMEOUT_MS}) bounds each call.
 *
 * <p>Every call is bounded: its ZooKeeper requests go out asynchronously (a listing sends all its reads at once, one
 * round trip instead of one per segment), and the calling thread (the remote log manager's, never a request thread)
 * waits for the answers until the request timeout, then fails with a {@link RemoteStorageException}. A synchronous
 * Curator call would have no such bound: ZooKeeper's client waits for an answer without a deadline as long as the
 * connection lives, and the server answers a session's reads only after that session's earlier writes are logged and
 * synced, so a slow disk under the ZooKeeper server held the copier for as long as the sync took. The answer callbacks
 * run on ZooKeeper's event thread and only complete a future; nothing waits or calls ZooKeeper there. The returned
 * futures are complete. State transitions follow {@link RemoteLogSegmentState#isValidTransition}.
 *
 * <p>Thread-safety: safe for concurrent calls; a segment's updates are compare-and-set on its znode version.
 */
public final class ZkRemoteLogMetadataManager implements RemoteLogMetadataManager {
    private static final Logger LOG = LoggerFactory.getLogger(ZkRemoteLogMetadataManager.class);

    /** The configuration key (after the {@code rlmm.config.} prefix) of the bound of each call. */
    public static final String REQUEST_TIMEOUT_MS_CONFIG = "zookeeper.request.timeout.ms";

    static final long DEFAULT_REQUEST_TIMEOUT_MS = 15_000L;

    private volatile CuratorFramework client;
    private volatile boolean ownsClient;
    private volatile long requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS;

    /** Shares the broker's ZooKeeper client (not closed by {@link #close()}); before {@link #configure}. */
    public void useClient(CuratorFramework shared) {
        this.client = shared;
        this.ownsClient = false;
    }

    @Override
    public void configure(Map<String, ?> configs) {
        Object timeout = configs.get(REQUEST_TIMEOUT_MS_CONFIG);
        if (timeout != null) {
            long ms;
            try {
                ms = Long.parseLong(timeout.toString().trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(REQUEST_TIMEOUT_MS_CONFIG + " must be a number: " + timeout, e);
            }
            if (ms < 1) {
                throw new IllegalArgumentException(REQUEST_TIMEOUT_MS_CONFIG + " must be positive: " + timeout);
            }
            requestTimeoutMs = ms;
        }
        if (client != null) {
            return;
        }
        Object connect = configs.get("zookeeper.connect");
        if (connect == null) {
            throw new IllegalArgumentException("ZkRemoteLogMetadataManager needs zookeeper.connect");
        }
        CuratorFramework own = ZkClients.newClient(
                ZkConnect.parse(connect.toString()), 18000, 18000, ZkClientSecurity.fromProperties(configs));
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

    // ---------------------------------------------------------------- bounded asynchronous calls

    /** Sends one request with the given callback (Curator's background form of an operation). */
    @FunctionalInterface
    private interface Request {
        void send(BackgroundCallback callback) throws Exception;
    }

    /** Sends {@code request}; the future completes on ZooKeeper's event thread with the answer, and does nothing else. */
    private static CompletableFuture<CuratorEvent> send(Request request) {
        CompletableFuture<CuratorEvent> answer = new CompletableFuture<>();
        try {
            request.send((c, event) -> answer.complete(event));
        } catch (Exception e) {
            answer.completeExceptionally(e);
        }
        return answer;
    }

    private long deadline() {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(requestTimeoutMs);
    }

    /**
     * Waits for an answer until {@code deadlineNanos} and returns its result code.
     *
     * @throws RemoteStorageException when there is no answer in time, the request could not be sent, or the wait was
     *     interrupted (the interrupt is kept)
     */
    private int await(CompletableFuture<CuratorEvent> answer, long deadlineNanos, String what)
            throws RemoteStorageException {
        try {
            return answer.get(Math.max(0L, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)
                    .getResultCode();
        } catch (TimeoutException e) {
            throw new RemoteStorageException(what + ": no answer from ZooKeeper in " + requestTimeoutMs + " ms", e);
        } catch (ExecutionException e) {
            throw new RemoteStorageException(what + " failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RemoteStorageException(what + " interrupted", e);
        }
    }

    private static KeeperException failure(int rc, String path) {
        return KeeperException.create(KeeperException.Code.get(rc), path);
    }

    private static boolean ok(int rc) {
        return rc == KeeperException.Code.OK.intValue();
    }

    private static boolean noNode(int rc) {
        return rc == KeeperException.Code.NONODE.intValue();
    }

    // ---------------------------------------------------------------- the plugin interface

    @Override
    public CompletableFuture<Void> addRemoteLogSegmentMetadata(RemoteLogSegmentMetadata metadata)
            throws RemoteStorageException {
        if (metadata.state() != RemoteLogSegmentState.COPY_SEGMENT_STARTED) {
            throw new IllegalArgumentException("a new segment must be COPY_SEGMENT_STARTED, not " + metadata.state());
        }
        String path = RemoteSegmentZNode.path(metadata.remoteLogSegmentId());
        byte[] data = RemoteSegmentZNode.encode(metadata);
        String what = "adding " + metadata.remoteLogSegmentId();
        CompletableFuture<CuratorEvent> answer = send(cb ->
                client().create().creatingParentsIfNeeded().inBackground(cb).forPath(path, data));
        int rc = await(answer, deadline(), what);
        if (!ok(rc)) {
            throw new RemoteStorageException(what + " failed", failure(rc, path));
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> updateRemoteLogSegmentMetadata(RemoteLogSegmentMetadataUpdate update)
            throws RemoteStorageException {
        String path = RemoteSegmentZNode.path(update.remoteLogSegmentId());
        String what = "updating " + update.remoteLogSegmentId() + " to " + update.state();
        long deadline = deadline();
        CompletableFuture<CuratorEvent> read =
                send(cb -> client().getData().inBackground(cb).forPath(path));
        int rc = await(read, deadline, what);
        if (noNode(rc)) {
            throw new RemoteResourceNotFoundException(
                    "no remote segment " + update.remoteLogSegmentId(), failure(rc, path));
        }
        if (!ok(rc)) {
            throw new RemoteStorageException(what + " failed", failure(rc, path));
        }
        CuratorEvent answer = read.join();
        RemoteLogSegmentMetadata current;
        try {
            current = RemoteSegmentZNode.decode(
                    update.topicIdPartition().topicId(),
                    update.topicIdPartition().partition(),
                    update.remoteLogSegmentId().id().toString(),
                    answer.getData());
        } catch (IOException | RuntimeException e) {
            throw new RemoteStorageException("cannot decode " + path, e);
        }
        if (!RemoteLogSegmentState.isValidTransition(current.state(), update.state())) {
            throw new IllegalStateException(
                    "invalid transition " + current.state() + " -> " + update.state() + " of " + path);
        }
        int version = answer.getStat().getVersion();
        CompletableFuture<CuratorEvent> write;
        if (update.state() == RemoteLogSegmentState.DELETE_SEGMENT_FINISHED) {
            write = send(cb ->
                    client().delete().withVersion(version).inBackground(cb).forPath(path));
        } else {
            byte[] data = RemoteSegmentZNode.encode(current.createWithUpdates(update));
            write = send(cb ->
                    client().setData().withVersion(version).inBackground(cb).forPath(path, data));
        }
        rc = await(write, deadline, what);
        if (noNode(rc)) {
            throw new RemoteResourceNotFoundException(
                    "no remote segment " + update.remoteLogSegmentId(), failure(rc, path));
        }
        if (!ok(rc)) {
            throw new RemoteStorageException(what + " failed", failure(rc, path));
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

    /**
     * Every segment of the partition, sorted by start offset: the children, then all their data with the reads in
     * flight at once, all within one request timeout.
     */
    private List<RemoteLogSegmentMetadata> segments(TopicIdPartition tip) throws RemoteStorageException {
        String parent = RemoteSegmentZNode.partitionPath(tip);
        String what = "listing the remote segments of " + tip;
        long deadline = deadline();
        CompletableFuture<CuratorEvent> listing =
                send(cb -> client().getChildren().inBackground(cb).forPath(parent));
        int rc = await(listing, deadline, what);
        List<RemoteLogSegmentMetadata> out = new ArrayList<>();
        if (noNode(rc)) {
            return out;
        }
        if (!ok(rc)) {
            throw new RemoteStorageException(what + " failed", failure(rc, parent));
        }
        Map<String, CompletableFuture<CuratorEvent>> reads = new LinkedHashMap<>();
        for (String child : listing.join().getChildren()) {
            String path = parent + "/" + child;
            reads.put(child, send(cb -> client().getData().inBackground(cb).forPath(path)));
        }
        for (Map.Entry<String, CompletableFuture<CuratorEvent>> read : reads.entrySet()) {
            rc = await(read.getValue(), deadline, what);
            if (noNode(rc)) {
                continue; // deleted since the listing
            }
            if (!ok(rc)) {
                throw new RemoteStorageException(what + " failed", failure(rc, parent + "/" + read.getKey()));
            }
            try {
                out.add(RemoteSegmentZNode.decode(
                        tip.topicId(),
                        tip.partition(),
                        read.getKey(),
                        read.getValue().join().getData()));
            } catch (IOException | RuntimeException e) {
                throw new RemoteStorageException("cannot decode " + parent + "/" + read.getKey(), e);
            }
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
