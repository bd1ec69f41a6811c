package io.sluice.replication.partition;

import static io.sluice.replication.partition.TestRecords.idempotent;
import static io.sluice.replication.partition.TestRecords.plain;
import static io.sluice.replication.partition.TestRecords.transactional;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.replication.log.index.AbortedTxn;
import io.sluice.replication.log.index.AbortedTxnIndex;
import io.sluice.replication.producer.ProducerSnapshotFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.ControlRecordType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The partition side of transactions: open transactions, markers, last stable offset, aborted-transaction index. */
class TransactionsTest extends OneBrokerTest {
    private static final TopicPartition TP = new TopicPartition("orders", 0);
    private static final long PID_A = 7L;
    private static final long PID_B = 8L;
    private static final short EPOCH = 0;

    TransactionsTest() {
        super(true);
    }

    @BeforeEach
    void setUp() {
        broker.leaderAndIsr(TP, 1, 1, List.of(1), List.of(1), 0, 1);
    }

    private AppendResult marker(long pid, short epoch, int coordinatorEpoch, ControlRecordType type) {
        CompletableFuture<AppendResult> result = new CompletableFuture<>();
        broker.replicaManager.appendTxnMarkers(
                10_000L,
                List.of(new ReplicaManager.TxnMarker(TP, pid, epoch, coordinatorEpoch, type)),
                r -> result.complete(r.get(TP)));
        return result.join();
    }

    private Path logDir() {
        return broker.partition(TP).replicaLog().log().dir().toPath();
    }

    private ReadResult committedFetch(long offset) {
        return broker.fetch(
                new FetchParams(-1, 0, 1, 4 * 1024 * 1024, FetchIsolation.TXN_COMMITTED),
                new PartitionFetch(TP, offset, -1L, 1024 * 1024, Partition.NO_EPOCH, Partition.NO_EPOCH));
    }

    /** A: txn at 0-1 (aborted by marker at 4); plain at 2; B: txn at 3 (committed by marker at 5); plain at 6. */
    private void writeHistory() {
        Partition p = broker.partition(TP);
        assertThat(broker.produceNow(TP, transactional(PID_A, EPOCH, 0, "a1", "a2"), 1)
                        .baseOffset())
                .isZero();
        broker.produceNow(TP, plain("p1"), 1);
        assertThat(p.highWatermark()).isEqualTo(3);
        assertThat(p.lastStableOffset()).isZero();
        broker.produceNow(TP, transactional(PID_B, EPOCH, 0, "b1"), 1);
        assertThat(p.openTransactions()).containsOnly(Map.entry(PID_A, 0L), Map.entry(PID_B, 3L));

        assertThat(marker(PID_A, EPOCH, 5, ControlRecordType.ABORT).baseOffset())
                .isEqualTo(4);
        assertThat(p.lastStableOffset()).isEqualTo(3);
        assertThat(marker(PID_B, EPOCH, 5, ControlRecordType.COMMIT).baseOffset())
                .isEqualTo(5);
        assertThat(p.lastStableOffset()).isEqualTo(6);
        broker.produceNow(TP, plain("p2"), 1);
        assertThat(p.lastStableOffset()).isEqualTo(7);
        assertThat(p.openTransactions()).isEmpty();
    }

    @Test
    void activeProducersReportEpochSequenceMarkerEpochAndOpenTransactionStart() {
        Partition p = broker.partition(TP);
        broker.produceNow(TP, transactional(PID_A, EPOCH, 0, "a1", "a2"), 1);
        broker.produceNow(TP, idempotent(PID_B, (short) 2, 0, "b1", "b2", "b3"), 1);
        marker(PID_A, EPOCH, 4, ControlRecordType.COMMIT);
        broker.produceNow(TP, transactional(PID_A, EPOCH, 2, "a3"), 1);

        assertThat(p.activeProducers())
                .containsExactly(
                        new io.sluice.replication.producer.ActiveProducer(PID_A, EPOCH, 2, 1_000L, 4, 6L),
                        new io.sluice.replication.producer.ActiveProducer(PID_B, (short) 2, 2, 1_002L, -1, -1L));
    }

    @Test
    void readCommittedStopsAtTheFirstOpenTransactionAndListsAbortedOnes() {
        Partition p = broker.partition(TP);
        broker.produceNow(TP, transactional(PID_A, EPOCH, 0, "a1"), 1);
        broker.produceNow(TP, plain("p1"), 1);

        ReadResult open = committedFetch(0);
        assertThat(open.lastStableOffset()).isZero();
        assertThat(open.highWatermark()).isEqualTo(2);
        assertThat(open.bytes()).isZero();
        assertThat(broker.consumerFetch(TP, 0).bytes()).isPositive();
        assertThat(broker.replicaManager
                        .listOffsets(TP, Partition.LATEST_TIMESTAMP, FetchIsolation.TXN_COMMITTED, 1)
                        .offset())
                .isZero();
        assertThat(broker.replicaManager
                        .listOffsets(TP, Partition.LATEST_TIMESTAMP, FetchIsolation.HIGH_WATERMARK, 1)
                        .offset())
                .isEqualTo(2);

        marker(PID_A, EPOCH, 0, ControlRecordType.ABORT);

        ReadResult done = committedFetch(0);
        assertThat(done.lastStableOffset()).isEqualTo(3);
        assertThat(TestBroker.values(done)).contains("a1", "p1");
        assertThat(done.abortedTransactions()).containsExactly(new AbortedTxn(PID_A, 0, 2, 3));
        assertThat(committedFetch(3).abortedTransactions()).isEmpty();
        assertThat(p.lastStableOffset()).isEqualTo(3);
    }

    @Test
    void markersFenceOlderProducerAndCoordinatorEpochs() {
        broker.produceNow(TP, transactional(PID_A, EPOCH, 0, "a1"), 1);
        assertThat(broker.produceNow(TP, idempotent(PID_A, EPOCH, 1, "x"), 1).error())
                .isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(marker(PID_A, (short) 1, 3, ControlRecordType.ABORT).error()).isEqualTo(Errors.NONE);

        assertThat(broker.produceNow(TP, transactional(PID_A, EPOCH, 1, "late"), 1)
                        .error())
                .isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        assertThat(marker(PID_A, (short) 1, 2, ControlRecordType.COMMIT).error())
                .isEqualTo(Errors.TRANSACTION_COORDINATOR_FENCED);
        assertThat(marker(PID_A, EPOCH, 3, ControlRecordType.COMMIT).error()).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        assertThat(broker.produceNow(TP, transactional(PID_A, (short) 1, 0, "new"), 1)
                        .error())
                .isEqualTo(Errors.NONE);
    }

    @Test
    void theIndexUsesKafkasEntryLayout() throws IOException {
        writeHistory();
        List<Path> files;
        try (Stream<Path> list = Files.list(logDir())) {
            files = list.filter(f -> f.toString().endsWith(AbortedTxnIndex.SUFFIX))
                    .toList();
        }
        assertThat(files).hasSize(1);
        Path file = files.get(0);
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file));
        assertThat(bytes.remaining()).isEqualTo(AbortedTxnIndex.ENTRY_SIZE);
        assertThat(bytes.getShort()).isZero();
        assertThat(bytes.getLong()).isEqualTo(PID_A);
        assertThat(bytes.getLong()).isZero();
        assertThat(bytes.getLong()).isEqualTo(4);
        assertThat(bytes.getLong()).isEqualTo(3);
    }

    @Test
    void openTransactionsAndTheIndexSurviveARestart() throws IOException {
        writeHistory();
        broker.produceNow(TP, transactional(PID_A, EPOCH, 2, "a3"), 1);
        broker.stop();
        broker.start();
        broker.leaderAndIsr(TP, 1, 2, List.of(1), List.of(1), 1, 1);

        Partition p = broker.partition(TP);
        assertThat(p.openTransactions()).containsOnly(Map.entry(PID_A, 7L));
        assertThat(p.lastStableOffset()).isEqualTo(7);
        assertThat(committedFetch(0).abortedTransactions()).containsExactly(new AbortedTxn(PID_A, 0, 4, 3));
    }

    @Test
    void openTransactionsAreRebuiltFromTheLogWithoutSnapshotOrIndex() throws IOException {
        writeHistory();
        broker.produceNow(TP, transactional(PID_A, EPOCH, 2, "a3"), 1);
        Path logDir = logDir();
        broker.stop();
        try (Stream<Path> files = Files.list(logDir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(ProducerSnapshotFile.SUFFIX) || name.endsWith(AbortedTxnIndex.SUFFIX)) {
                    Files.delete(f);
                }
            }
        }
        broker.start();
        broker.leaderAndIsr(TP, 1, 2, List.of(1), List.of(1), 1, 1);

        Partition p = broker.partition(TP);
        assertThat(p.openTransactions()).containsOnly(Map.entry(PID_A, 7L));
        assertThat(p.lastStableOffset()).isEqualTo(7);
        assertThat(committedFetch(0).abortedTransactions()).containsExactly(new AbortedTxn(PID_A, 0, 4, 3));
    }
}
