package io.sluice.broker.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentId;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentMetadata;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentMetadataUpdate;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentState;
import org.apache.kafka.server.log.remote.storage.RemoteStorageException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class ZkRemoteLogMetadataManagerTest {
    private static final TopicIdPartition TIP = new TopicIdPartition(Uuid.randomUuid(), 0, "t");

    @TempDir
    Path dir;

    private TestingServer zk;
    private ZkRemoteLogMetadataManager writer;
    private ZkRemoteLogMetadataManager reader;

    @BeforeEach
    void start() throws Exception {
        zk = new TestingServer(
                new InstanceSpec(
                        dir.toFile(),
                        -1,
                        -1,
                        -1,
                        false,
                        -1,
                        -1,
                        -1,
                        Map.of("clientPortAddress", "127.0.0.1"),
                        "127.0.0.1"),
                true);
        writer = new ZkRemoteLogMetadataManager();
        writer.configure(Map.of("zookeeper.connect", zk.getConnectString() + "/sluice"));
        reader = new ZkRemoteLogMetadataManager();
        reader.configure(Map.of("zookeeper.connect", zk.getConnectString() + "/sluice"));
    }

    @AfterEach
    void stop() throws Exception {
        writer.close();
        reader.close();
        zk.close();
    }

    private static List<RemoteLogSegmentMetadata> list(ZkRemoteLogMetadataManager m) throws Exception {
        List<RemoteLogSegmentMetadata> out = new ArrayList<>();
        m.listRemoteLogSegments(TIP).forEachRemaining(out::add);
        return out;
    }

    private RemoteLogSegmentId copy(long start, long end, Map<Integer, Long> epochs) throws Exception {
        RemoteLogSegmentId id = RemoteLogSegmentId.generateNew(TIP);
        writer.addRemoteLogSegmentMetadata(new RemoteLogSegmentMetadata(id, start, end, 77, 1, 5, 1000, epochs))
                .get();
        return id;
    }

    private void update(RemoteLogSegmentId id, RemoteLogSegmentState state) throws Exception {
        writer.updateRemoteLogSegmentMetadata(new RemoteLogSegmentMetadataUpdate(id, 9, Optional.empty(), state, 2))
                .get();
    }

    @Test
    void segmentsWrittenByOneBrokerAreSeenByAnotherThroughTheirStates() throws Exception {
        RemoteLogSegmentId first = copy(0, 99, Map.of(0, 0L));
        RemoteLogSegmentId second = copy(100, 199, Map.of(0, 100L, 3, 150L));
        assertThat(list(reader))
                .extracting(RemoteLogSegmentMetadata::state)
                .containsOnly(RemoteLogSegmentState.COPY_SEGMENT_STARTED);
        assertThat(reader.remoteLogSegmentMetadata(TIP, 0, 50)).isEmpty(); // not finished yet

        update(first, RemoteLogSegmentState.COPY_SEGMENT_FINISHED);
        update(second, RemoteLogSegmentState.COPY_SEGMENT_FINISHED);
        List<RemoteLogSegmentMetadata> segments = list(reader);
        assertThat(segments).extracting(RemoteLogSegmentMetadata::startOffset).containsExactly(0L, 100L);
        assertThat(segments.get(1).segmentLeaderEpochs()).containsEntry(3, 150L);
        assertThat(segments.get(1).topicIdPartition()).isEqualTo(TIP);
        assertThat(reader.remoteLogSegmentMetadata(TIP, 3, 160).map(RemoteLogSegmentMetadata::remoteLogSegmentId))
                .contains(second);
        assertThat(reader.highestOffsetForEpoch(TIP, 0)).contains(149L);
        assertThat(reader.highestOffsetForEpoch(TIP, 3)).contains(199L);
        assertThat(reader.remoteLogSize(TIP, 3)).isEqualTo(2000L);

        // an invalid transition is refused; deletion removes the segment
        assertThatThrownBy(() -> update(first, RemoteLogSegmentState.DELETE_SEGMENT_FINISHED))
                .isInstanceOf(IllegalStateException.class);
        update(first, RemoteLogSegmentState.DELETE_SEGMENT_STARTED);
        assertThat(list(reader))
                .extracting(RemoteLogSegmentMetadata::state)
                .containsExactly(
                        RemoteLogSegmentState.DELETE_SEGMENT_STARTED, RemoteLogSegmentState.COPY_SEGMENT_FINISHED);
        update(first, RemoteLogSegmentState.DELETE_SEGMENT_FINISHED);
        assertThat(list(reader))
                .extracting(RemoteLogSegmentMetadata::remoteLogSegmentId)
                .containsExactly(second);
    }

    @Test
    void aCallFailsAfterTheRequestTimeoutWhenZooKeeperDoesNotAnswer() throws Exception {
        copy(0, 99, Map.of(0, 0L));
        ZkRemoteLogMetadataManager bounded = new ZkRemoteLogMetadataManager();
        try {
            bounded.configure(Map.of(
                    "zookeeper.connect",
                    zk.getConnectString() + "/sluice",
                    ZkRemoteLogMetadataManager.REQUEST_TIMEOUT_MS_CONFIG,
                    "300"));
            // the first answer needs the new client's connection, which the 300 ms bound may not cover on a slow
            // start: wait until it has connected and answers
            await().atMost(Duration.ofSeconds(30))
                    .ignoreException(RemoteStorageException.class)
                    .untilAsserted(() -> assertThat(list(bounded)).hasSize(1));
            zk.stop();
            // a synchronous Curator call would wait for the reconnection (18 s connection timeout), then retry
            long start = System.nanoTime();
            assertThatThrownBy(() -> list(bounded))
                    .isInstanceOf(RemoteStorageException.class)
                    .hasMessageContaining("listing the remote segments");
            assertThatThrownBy(() -> bounded.addRemoteLogSegmentMetadata(new RemoteLogSegmentMetadata(
                            RemoteLogSegmentId.generateNew(TIP), 100, 199, 77, 1, 5, 1000, Map.of(0, 100L))))
                    .isInstanceOf(RemoteStorageException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        } finally {
            bounded.close();
        }
    }

    @Test
    void anInvalidRequestTimeoutIsRefused() {
        ZkRemoteLogMetadataManager m = new ZkRemoteLogMetadataManager();
        assertThatThrownBy(() -> m.configure(Map.of(ZkRemoteLogMetadataManager.REQUEST_TIMEOUT_MS_CONFIG, "0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(ZkRemoteLogMetadataManager.REQUEST_TIMEOUT_MS_CONFIG);
    }
}
