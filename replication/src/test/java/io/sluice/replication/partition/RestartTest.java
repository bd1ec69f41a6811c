package io.sluice.replication.partition;

import static io.sluice.replication.partition.TestRecords.idempotent;
import static io.sluice.replication.partition.TestRecords.plain;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.replication.checkpoint.OffsetCheckpointFile;
import io.sluice.replication.epoch.EpochEntry;
import io.sluice.replication.epoch.LeaderEpochCheckpointFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** What a replica restores from disk: high watermark, producer state, leader-epoch cache. */
class RestartTest extends OneBrokerTest {
    private static final TopicPartition TP = new TopicPartition("orders", 1);
    private static final TopicPartition OTHER = new TopicPartition("payments", 0);

    RestartTest() {
        super(true);
    }

    /** Epoch 1: idempotent batch at 0-1, plain at 2; epoch 2: plain at 3; follower 2 confirmed up to 2. */
    private void writeHistory() {
        broker.leaderAndIsr(TP, 1, 1, List.of(1, 2), List.of(1, 2), 0, 1);
        assertThat(broker.produceNow(TP, idempotent(42L, (short) 0, 0, "a", "b"), 1)
                        .baseOffset())
                .isZero();
        broker.produceNow(TP, plain("c"), 1);
        broker.leaderAndIsr(TP, 1, 2, List.of(1, 2), List.of(1, 2), 1, 1);
        broker.produceNow(TP, plain("d"), 1);
        broker.followerFetch(TP, 2, 2);
        assertThat(broker.partition(TP).highWatermark()).isEqualTo(2);
    }

    private void assertRestored() {
        assertThat(broker.replicaManager.partition(TP)).isEmpty();
        assertThat(broker.leaderAndIsr(TP, 1, 3, List.of(1, 2), List.of(1, 2), 2, 1))
                .isEqualTo(Errors.NONE);
        Partition p = broker.partition(TP);

        assertThat(p.logEndOffset()).isEqualTo(4);
        assertThat(p.highWatermark()).isEqualTo(2);
        assertThat(p.replicaLog().epochCache().epochEntries())
                .containsExactly(new EpochEntry(1, 0), new EpochEntry(2, 3), new EpochEntry(3, 4));
        AppendResult retry = broker.produceNow(TP, idempotent(42L, (short) 0, 0, "a", "b"), 1);
        assertThat(retry.duplicate()).isTrue();
        assertThat(retry.baseOffset()).isZero();
        assertThat(broker.produceNow(TP, idempotent(42L, (short) 0, 5, "x"), 1).error())
                .isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertThat(p.logEndOffset()).isEqualTo(4);
    }

    @Test
    void cleanRestartRestoresHighWatermarkProducerStateAndEpochs() throws IOException {
        writeHistory();
        broker.stop();
        assertThat(snapshots()).isNotEmpty();
        assertThat(new OffsetCheckpointFile(dir.resolve(OffsetCheckpointFile.REPLICATION_OFFSET_CHECKPOINT)).read())
                .containsEntry(TP, 2L);

        broker.start();

        assertRestored();
    }

    @Test
    void producerStateIsRebuiltFromTheLogWithoutSnapshots() throws IOException {
        writeHistory();
        broker.stop();
        for (Path snapshot : snapshots()) {
            Files.delete(snapshot);
        }

        broker.start();

        assertRestored();
    }

    /** A crash before the deferred write of epoch 2's entry: the file still holds only epoch 1. */
    @Test
    void epochsMissingFromTheCheckpointAreRestoredFromTheBatches() throws IOException {
        writeHistory();
        broker.stop();
        Files.writeString(epochCheckpoint(), "0\n1\n1 0\n");

        broker.start();

        assertRestored();
    }

    @Test
    void aLostCheckpointIsRebuiltFromTheWholeLog() throws IOException {
        writeHistory();
        broker.stop();
        Files.delete(epochCheckpoint());

        broker.start();

        assertRestored();
    }

    /** The file kept an epoch that wrote nothing (2 at offset 3); epoch 3 then wrote from that same offset. */
    @Test
    void aStaleEpochThatWroteNothingIsReplacedByTheEpochOfTheBatches() throws IOException {
        broker.leaderAndIsr(TP, 1, 1, List.of(1), List.of(1), 0, 1);
        broker.produceNow(TP, plain("a"), 1);
        broker.produceNow(TP, plain("b"), 1);
        broker.produceNow(TP, plain("c"), 1);
        broker.leaderAndIsr(TP, 1, 3, List.of(1), List.of(1), 1, 1);
        broker.produceNow(TP, plain("d"), 1);
        broker.stop();
        Files.writeString(epochCheckpoint(), "0\n2\n1 0\n2 3\n");

        broker.start();
        broker.leaderAndIsr(TP, 1, 4, List.of(1), List.of(1), 2, 1);

        assertThat(broker.partition(TP).replicaLog().epochCache().epochEntries())
                .containsExactly(new EpochEntry(1, 0), new EpochEntry(3, 3), new EpochEntry(4, 4));
    }

    /** Several segments: the repair scan starts at the last segment whose first batch is not newer than the file. */
    @Test
    void repairAcrossSegmentsFindsEveryNewerEpoch() throws IOException {
        broker.leaderAndIsr(TP, 1, 1, List.of(1), List.of(1), 0, 1);
        broker.produceNow(TP, plain("a"), 1);
        broker.produceNow(TP, plain("b"), 1);
        broker.leaderAndIsr(TP, 1, 2, List.of(1), List.of(1), 1, 1);
        broker.logManager.getLog(TP).orElseThrow().roll();
        broker.produceNow(TP, plain("c"), 1);
        broker.logManager.getLog(TP).orElseThrow().roll();
        broker.produceNow(TP, plain("d"), 1);
        broker.leaderAndIsr(TP, 1, 5, List.of(1), List.of(1), 2, 1);
        broker.produceNow(TP, plain("e"), 1);
        broker.logManager.getLog(TP).orElseThrow().roll();
        broker.leaderAndIsr(TP, 1, 6, List.of(1), List.of(1), 3, 1);
        broker.produceNow(TP, plain("f"), 1);
        broker.stop();
        Files.writeString(epochCheckpoint(), "0\n2\n1 0\n2 2\n");

        broker.start();
        broker.leaderAndIsr(TP, 1, 7, List.of(1), List.of(1), 4, 1);

        assertThat(broker.partition(TP).replicaLog().epochCache().epochEntries())
                .containsExactly(
                        new EpochEntry(1, 0),
                        new EpochEntry(2, 2),
                        new EpochEntry(5, 4),
                        new EpochEntry(6, 5),
                        new EpochEntry(7, 6));
    }

    private Path epochCheckpoint() {
        return broker.logManager
                .getLog(TP)
                .map(l -> l.dir().toPath())
                .orElseGet(() -> dir.resolve(TP.topic() + "-" + TP.partition()))
                .resolve(LeaderEpochCheckpointFile.FILE_NAME);
    }

    @Test
    void checkpointKeepsHighWatermarksOfLogsNotYetHostedAfterRestart() throws IOException {
        writeHistory();
        broker.leaderAndIsr(OTHER, 1, 1, List.of(1), List.of(1), 0, 1);
        broker.produceNow(OTHER, plain("p"), 1);
        broker.stop();
        broker.start();

        broker.leaderAndIsr(OTHER, 1, 2, List.of(1), List.of(1), 1, 1);
        broker.replicaManager.checkpointHighWatermarks();

        assertThat(new OffsetCheckpointFile(dir.resolve(OffsetCheckpointFile.REPLICATION_OFFSET_CHECKPOINT)).read())
                .containsEntry(TP, 2L)
                .containsEntry(OTHER, 1L);
    }

    private List<Path> snapshots() throws IOException {
        Path partitionDir = broker.logManager.getLog(TP).orElseThrow().dir().toPath();
        try (Stream<Path> files = Files.list(partitionDir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".snapshot"))
                    .toList();
        }
    }
}
