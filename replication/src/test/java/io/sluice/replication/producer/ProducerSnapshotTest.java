package io.sluice.replication.producer;

import static io.sluice.replication.producer.TestBatches.idempotent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.replication.producer.ValidationResult.Outcome;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.zip.CRC32C;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class ProducerSnapshotTest {
    private static final TopicPartition TP = new TopicPartition("payments.eu-west", 7);
    private static final long PID = 9_000L;
    private static final short EPOCH = 2;

    @TempDir
    Path dir;

    private static ProducerStateManager managerWithState() {
        ProducerStateManager manager = new ProducerStateManager(TP);
        long offset = 0;
        for (int i = 0; i < 7; i++) {
            manager.update(idempotent(PID, EPOCH, i * 3, 3, offset, 10_000 + i));
            offset += 3;
        }
        manager.update(idempotent(PID + 1, (short) 0, 0, 1, offset, 20_000));
        return manager;
    }

    @Test
    void snapshotRoundTripRestoresDeduplication() throws IOException {
        ProducerStateManager original = managerWithState();
        Path file = original.takeSnapshot(dir, 22);
        assertThat(file.getFileName().toString()).isEqualTo("00000000000000000022.snapshot");

        ProducerStateManager restored = new ProducerStateManager(TP);
        assertThat(restored.loadLatestSnapshot(dir, 22)).isEqualTo(OptionalLong.of(22));
        assertThat(restored.activeProducers()).isEqualTo(original.activeProducers());

        // A retry of the 5th-newest batch of PID (seq 6-8 at offsets 6-8) is still recognised after "failover".
        ValidationResult dup = restored.validate(idempotent(PID, EPOCH, 6, 3, 50, 10_002));
        assertThat(dup.outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(dup.firstOffset()).isEqualTo(6);
        assertThat(dup.lastOffset()).isEqualTo(8);
        assertThat(restored.validate(idempotent(PID, EPOCH, 21, 1, 22)).outcome())
                .isEqualTo(Outcome.OK);
    }

    @Test
    void emptyStateRoundTrips() throws IOException {
        ProducerStateManager empty = new ProducerStateManager(TP);
        empty.takeSnapshot(dir, 0);
        ProducerStateManager restored = managerWithState();
        assertThat(restored.loadLatestSnapshot(dir, 0)).isEqualTo(OptionalLong.of(0));
        assertThat(restored.producerCount()).isZero();
    }

    @Test
    void encodingFollowsTheDocumentedLayout() {
        ProducerStateEntry entry =
                new ProducerStateEntry(PID, EPOCH, List.of(new BatchMetadata(5, 9, 100, 104, 77)), 77);
        byte[] bytes = ProducerSnapshotFile.encode(List.of(entry));
        assertThat(bytes).hasSize(10 + 19 + 32);
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        assertThat(buffer.getShort(0)).isEqualTo(ProducerSnapshotFile.VERSION);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 6, bytes.length - 6);
        assertThat(Integer.toUnsignedLong(buffer.getInt(2))).isEqualTo(crc.getValue());
        assertThat(buffer.getInt(6)).isEqualTo(1);
        assertThat(buffer.getLong(10)).isEqualTo(PID);
        assertThat(buffer.getShort(18)).isEqualTo(EPOCH);
        assertThat(buffer.getLong(20)).isEqualTo(77);
        assertThat(buffer.get(28)).isEqualTo((byte) 1);
        assertThat(buffer.getInt(29)).isEqualTo(5);
        assertThat(buffer.getInt(33)).isEqualTo(9);
        assertThat(buffer.getLong(37)).isEqualTo(100);
        assertThat(buffer.getLong(45)).isEqualTo(104);
        assertThat(buffer.getLong(53)).isEqualTo(77);
    }

    @Test
    void loadsTheNewestSnapshotAtOrBelowTheOffset() throws IOException {
        ProducerStateManager manager = new ProducerStateManager(TP, 5);
        manager.update(idempotent(PID, EPOCH, 0, 1, 0));
        manager.takeSnapshot(dir, 1);
        manager.update(idempotent(PID, EPOCH, 1, 1, 1));
        manager.takeSnapshot(dir, 2);
        manager.update(idempotent(PID, EPOCH, 2, 1, 2));
        manager.takeSnapshot(dir, 3);

        ProducerStateManager restored = new ProducerStateManager(TP);
        assertThat(restored.loadLatestSnapshot(dir, 2)).isEqualTo(OptionalLong.of(2));
        assertThat(restored.lastEntry(PID).orElseThrow().lastOffset()).isEqualTo(1);
        assertThat(restored.loadLatestSnapshot(dir, 1_000)).isEqualTo(OptionalLong.of(3));
        assertThat(restored.lastEntry(PID).orElseThrow().lastOffset()).isEqualTo(2);
        assertThat(restored.loadLatestSnapshot(dir, 0)).isEmpty();
        assertThat(restored.producerCount()).isZero();
    }

    @Test
    void missingDirectoryMeansNoSnapshot() throws IOException {
        ProducerStateManager manager = managerWithState();
        assertThat(manager.loadLatestSnapshot(dir.resolve("absent"), 100)).isEmpty();
        assertThat(manager.producerCount()).isZero();
    }

    @Test
    void corruptNewestSnapshotIsDeletedAndTheOlderOneLoaded() throws IOException {
        ProducerStateManager manager = managerWithState();
        manager.takeSnapshot(dir, 10);
        manager.takeSnapshot(dir, 22);
        Path newest = ProducerSnapshotFile.path(dir, 22);
        byte[] bytes = Files.readAllBytes(newest);
        bytes[bytes.length - 3] ^= 0x40; // flip a bit inside the last batch's timestamp
        Files.write(newest, bytes);

        ProducerStateManager restored = new ProducerStateManager(TP);
        assertThat(restored.loadLatestSnapshot(dir, 22)).isEqualTo(OptionalLong.of(10));
        assertThat(newest).doesNotExist();
        assertThat(restored.activeProducers()).isEqualTo(manager.activeProducers());
    }

    @Test
    void truncatedSnapshotIsSkipped() throws IOException {
        ProducerStateManager manager = managerWithState();
        manager.takeSnapshot(dir, 22);
        Path file = ProducerSnapshotFile.path(dir, 22);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 20));

        ProducerStateManager restored = new ProducerStateManager(TP);
        assertThat(restored.loadLatestSnapshot(dir, 22)).isEmpty();
        assertThat(file).doesNotExist();
    }

    @Test
    void decodeNamesTheReason() {
        Path file = dir.resolve("00000000000000000001.snapshot");
        byte[] good =
                ProducerSnapshotFile.encode(managerWithState().activeProducers().values());

        assertThatThrownBy(() -> ProducerSnapshotFile.decode(file, new byte[3]))
                .isInstanceOf(CorruptSnapshotException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("header");
        byte[] wrongVersion = good.clone();
        wrongVersion[1] = 9;
        assertThatThrownBy(() -> ProducerSnapshotFile.decode(file, wrongVersion))
                .hasMessageContaining("unsupported version 9");
        byte[] badCrc = good.clone();
        badCrc[12] ^= 1;
        assertThatThrownBy(() -> ProducerSnapshotFile.decode(file, badCrc)).hasMessageContaining("CRC32C mismatch");
        byte[] trailing = Arrays.copyOf(good, good.length + 4);
        assertThatThrownBy(() -> ProducerSnapshotFile.decode(file, withFixedCrc(trailing)))
                .hasMessageContaining("unexpected bytes");
        byte[] badBatchCount = good.clone();
        badBatchCount[28] = 6;
        assertThatThrownBy(() -> ProducerSnapshotFile.decode(file, withFixedCrc(badBatchCount)))
                .hasMessageContaining("batch count 6");
    }

    private static byte[] withFixedCrc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 6, bytes.length - 6);
        ByteBuffer.wrap(bytes).putInt(2, (int) crc.getValue());
        return bytes;
    }

    @Test
    void keepsAtMostTwoSnapshots() throws IOException {
        ProducerStateManager manager = managerWithState();
        manager.takeSnapshot(dir, 5);
        manager.takeSnapshot(dir, 15);
        manager.takeSnapshot(dir, 22);
        assertThat(manager.snapshotOffsets(dir)).containsExactly(15L, 22L);
        assertThat(Files.list(dir).map(p -> p.getFileName().toString()))
                .containsExactlyInAnyOrder("00000000000000000015.snapshot", "00000000000000000022.snapshot");
    }

    @Test
    void deletesSnapshotsAfterAndBeforeAnOffset() throws IOException {
        ProducerStateManager manager = new ProducerStateManager(TP, 10);
        for (long offset : new long[] {3, 7, 11, 15}) {
            manager.takeSnapshot(dir, offset);
        }
        manager.deleteSnapshotsAfter(dir, 11);
        assertThat(manager.snapshotOffsets(dir)).containsExactly(3L, 7L, 11L);
        manager.deleteSnapshotsBefore(dir, 7);
        assertThat(manager.snapshotOffsets(dir)).containsExactly(7L, 11L);
    }

    @Test
    void leftoverTemporaryFilesAreRemovedAndForeignFilesIgnored() throws IOException {
        Path temp = dir.resolve("00000000000000000030.snapshot.tmp");
        Files.write(temp, new byte[] {1, 2, 3});
        Path foreign = dir.resolve("00000000000000000000.log");
        Files.write(foreign, new byte[] {1});
        ProducerStateManager manager = managerWithState();
        manager.takeSnapshot(dir, 4);

        assertThat(manager.loadLatestSnapshot(dir, 100)).isEqualTo(OptionalLong.of(4));
        assertThat(temp).doesNotExist();
        assertThat(foreign).exists();
    }
}
