package io.sluice.replication.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.server.log.remote.storage.LogSegmentData;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentId;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentMetadata;
import org.apache.kafka.server.log.remote.storage.RemoteResourceNotFoundException;
import org.apache.kafka.server.log.remote.storage.RemoteStorageManager.IndexType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class FileSystemRemoteStorageManagerTest {
    @TempDir
    Path local;

    @TempDir
    Path remoteDir;

    private static final TopicIdPartition TIP = new TopicIdPartition(Uuid.randomUuid(), 3, "orders");

    private Path file(String name, String content) throws IOException {
        return Files.writeString(local.resolve(name), content, StandardCharsets.UTF_8);
    }

    private static String read(InputStream in) throws IOException {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void copiesEverySegmentFileAndServesRangesAndIndexesUntilDeleted() throws Exception {
        FileSystemRemoteStorageManager rsm = new FileSystemRemoteStorageManager();
        rsm.configure(Map.of("dir", remoteDir.toString()));
        RemoteLogSegmentMetadata segment = new RemoteLogSegmentMetadata(
                RemoteLogSegmentId.generateNew(TIP), 100, 199, 5, 1, 6, 10, Map.of(0, 100L));
        LogSegmentData data = new LogSegmentData(
                file("a.log", "0123456789"),
                file("a.index", "offsets"),
                file("a.timeindex", "times"),
                Optional.empty(),
                file("a.snapshot", "producers"),
                ByteBuffer.wrap("0\n1\n0 100\n".getBytes(StandardCharsets.UTF_8)));

        assertThat(rsm.copyLogSegmentData(segment, data)).isEmpty();

        assertThat(read(rsm.fetchLogSegment(segment, 0))).isEqualTo("0123456789");
        assertThat(read(rsm.fetchLogSegment(segment, 3))).isEqualTo("3456789");
        assertThat(read(rsm.fetchLogSegment(segment, 3, 5))).isEqualTo("345");
        assertThat(read(rsm.fetchIndex(segment, IndexType.OFFSET))).isEqualTo("offsets");
        assertThat(read(rsm.fetchIndex(segment, IndexType.TIMESTAMP))).isEqualTo("times");
        assertThat(read(rsm.fetchIndex(segment, IndexType.PRODUCER_SNAPSHOT))).isEqualTo("producers");
        assertThat(read(rsm.fetchIndex(segment, IndexType.LEADER_EPOCH))).isEqualTo("0\n1\n0 100\n");
        assertThatThrownBy(() -> rsm.fetchIndex(segment, IndexType.TRANSACTION))
                .isInstanceOf(RemoteResourceNotFoundException.class);
        try (var files = Files.list(rsm.partitionDir(TIP))) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .allMatch(n -> n.startsWith("00000000000000000100-"))
                    .noneMatch(n -> n.endsWith(".tmp"))
                    .hasSize(5);
        }

        rsm.deleteLogSegmentData(segment);
        rsm.deleteLogSegmentData(segment); // idempotent
        assertThatThrownBy(() -> rsm.fetchLogSegment(segment, 0)).isInstanceOf(RemoteResourceNotFoundException.class);
        try (var files = Files.list(rsm.partitionDir(TIP))) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void needsADirectory() {
        assertThatThrownBy(() -> new FileSystemRemoteStorageManager().configure(Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rsm.config.dir");
    }
}
