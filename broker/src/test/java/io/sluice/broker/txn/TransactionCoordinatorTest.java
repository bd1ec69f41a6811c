package io.sluice.broker.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.broker.group.OffsetsLog;
import io.sluice.broker.producer.ProducerIdManager;
import io.sluice.metadata.model.ProducerIdBlock;
import io.sluice.testsupport.ManualClock;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The transaction coordinator over an in-memory state log and marker channel. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TransactionCoordinatorTest {
    private static final String TXN = "tx-1";
    private static final int PARTITION = TransactionStateTopic.partitionFor(TXN, 1);
    private static final TopicPartition A = new TopicPartition("a", 0);
    private static final TopicPartition B = new TopicPartition("b", 3);
    private static final long EXPIRATION_MS = 3_600_000L;

    /** The state topic with one partition, in memory. */
    static final class MemoryStateLog implements OffsetsLog {
        final List<MemoryRecords> appended = new CopyOnWriteArrayList<>();
        /** Reads that fail before one succeeds. */
        final AtomicInteger readFailures = new AtomicInteger();

        final AtomicInteger reads = new AtomicInteger();
        /** Appends that wait for this before completing (null: complete at once). */
        volatile CompletableFuture<Void> appendGate;

        @Override
        public int partitionCount() {
            return 1;
        }

        @Override
        public CompletableFuture<Errors> append(int partition, MemoryRecords records, long timeoutMs) {
            CompletableFuture<Void> gate = appendGate;
            if (gate == null) {
                appended.add(records);
                return CompletableFuture.completedFuture(Errors.NONE);
            }
            return gate.thenApply(v -> {
                appended.add(records);
                return Errors.NONE;
            });
        }

        @Override
        public long read(int partition, Consumer<RecordBatch> visitor) {
            reads.incrementAndGet();
            if (readFailures.getAndDecrement() > 0) {
                throw new IllegalStateException("disk hiccup");
            }
            appended.forEach(r -> r.batches().forEach(visitor));
            return appended.size();
        }

        /** The last state written for {@code id}. */
        TxnMetadata last(String id) {
            TxnMetadata last = null;
            for (MemoryRecords records : appended) {
                for (Record r : records.records()) {
                    if (TxnRecordCodec.decodeKey(r.key()).equals(id)) {
                        last = r.hasValue() ? TxnRecordCodec.decodeValue(id, r.value()) : null;
                    }
                }
            }
            return last;
        }
    }

    /** Leaders are broker 1; the first {@code failures} sends fail. */
    static final class FakeMarkers implements MarkerChannel {
        final List<WritableTxnMarker> sent = new CopyOnWriteArrayList<>();
        final AtomicInteger failures = new AtomicInteger();

        @Override
        public OptionalInt leaderOf(TopicPartition tp) {
            return OptionalInt.of(1);
        }

        @Override
        public CompletableFuture<Map<TopicPartition, Errors>> send(int brokerId, WritableTxnMarker marker) {
            sent.add(marker);
            if (failures.getAndDecrement() > 0) {
                return CompletableFuture.failedFuture(new RuntimeException("no connection"));
            }
            Map<TopicPartition, Errors> ok = new java.util.HashMap<>();
            marker.topics()
                    .forEach(t ->
                            t.partitionIndexes().forEach(p -> ok.put(new TopicPartition(t.name(), p), Errors.NONE)));
            return CompletableFuture.completedFuture(ok);
        }
    }

    private final MemoryStateLog stateLog = new MemoryStateLog();
    private final FakeMarkers markers = new FakeMarkers();
    private final ManualClock clock = new ManualClock(1_000_000L);
    private final List<TransactionCoordinator> coordinators = new ArrayList<>();

    private TransactionCoordinator coordinator(int leaderEpoch) {
        TransactionCoordinator c = new TransactionCoordinator(
                1,
                stateLog,
                new ProducerIdManager(
                        1, (broker, size) -> new ProducerIdBlock(broker, 4000, size), 1000, Runnable::run),
                markers,
                clock,
                60_000,
                5_000,
                50,
                () -> 50,
                EXPIRATION_MS,
                50);
        c.startup();
        c.onElection(PARTITION, leaderEpoch);
        coordinators.add(c);
        return c;
    }

    @AfterEach
    void stop() {
        coordinators.forEach(TransactionCoordinator::shutdown);
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void initKeepsTheProducerIdAndBumpsTheEpochFencingTheOldInstance() throws Exception {
        TransactionCoordinator c = coordinator(4);
        TransactionCoordinator.InitResult first = get(c.initProducerId(TXN, 10_000, -1L, (short) -1));
        TransactionCoordinator.InitResult second = get(c.initProducerId(TXN, 10_000, -1L, (short) -1));

        assertThat(first.error()).isEqualTo(Errors.NONE);
        assertThat(first.producerId()).isEqualTo(4000L);
        assertThat(first.producerEpoch()).isZero();
        assertThat(second.producerId()).isEqualTo(4000L);
        assertThat(second.producerEpoch()).isEqualTo((short) 1);
        assertThat(get(c.addPartitions(TXN, 4000L, (short) 0, List.of(A)))).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(get(c.addPartitions(TXN, 99L, (short) 1, List.of(A)))).isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(get(c.initProducerId(TXN, 10_000_000, -1L, (short) -1)).error())
                .isEqualTo(Errors.INVALID_TRANSACTION_TIMEOUT);
    }

    @Test
    void commitWritesPrepareThenMarkersWithTheCoordinatorEpochThenComplete() throws Exception {
        TransactionCoordinator c = coordinator(7);
        get(c.initProducerId(TXN, 10_000, -1L, (short) -1));
        assertThat(get(c.addPartitions(TXN, 4000L, (short) 0, List.of(A, B)))).isEqualTo(Errors.NONE);
        assertThat(stateLog.last(TXN).state()).isEqualTo(TxnState.ONGOING);
        assertThat(stateLog.last(TXN).partitions()).containsExactlyInAnyOrder(A, B);
        markers.failures.set(1);

        assertThat(get(c.endTxn(TXN, 4000L, (short) 0, true))).isEqualTo(Errors.NONE);

        await().atMost(Duration.ofSeconds(5)).until(() -> stateLog.last(TXN).state() == TxnState.COMPLETE_COMMIT);
        assertThat(markers.sent).hasSizeGreaterThanOrEqualTo(2); // the first failed and was retried
        WritableTxnMarker marker = markers.sent.get(markers.sent.size() - 1);
        assertThat(marker.transactionResult()).isTrue();
        assertThat(marker.coordinatorEpoch()).isEqualTo(7);
        assertThat(marker.producerEpoch()).isZero();
        assertThat(stateLog.last(TXN).partitions()).isEmpty();
        assertThat(get(c.endTxn(TXN, 4000L, (short) 0, true))).isEqualTo(Errors.NONE);
        assertThat(get(c.endTxn(TXN, 4000L, (short) 0, false))).isEqualTo(Errors.INVALID_TXN_STATE);
    }

    @Test
    void aNewCoordinatorResumesThePreparedCommitsMarkers() throws Exception {
        TransactionCoordinator first = coordinator(1);
        get(first.initProducerId(TXN, 10_000, -1L, (short) -1));
        get(first.addPartitions(TXN, 4000L, (short) 0, List.of(A)));
        markers.failures.set(Integer.MAX_VALUE); // the markers never get through while the first one leads
        assertThat(get(first.endTxn(TXN, 4000L, (short) 0, true))).isEqualTo(Errors.NONE);
        first.onResignation(PARTITION, OptionalInt.of(2));
        first.shutdown();
        assertThat(stateLog.last(TXN).state()).isEqualTo(TxnState.PREPARE_COMMIT);

        markers.failures.set(0);
        markers.sent.clear();
        coordinator(2);

        await().atMost(Duration.ofSeconds(5)).until(() -> stateLog.last(TXN).state() == TxnState.COMPLETE_COMMIT);
        assertThat(markers.sent)
                .isNotEmpty()
                .allSatisfy(m -> assertThat(m.coordinatorEpoch()).isEqualTo(2));
    }

    @Test
    void aTimedOutTransactionIsAbortedWithTheEpochBumped() throws Exception {
        TransactionCoordinator c = coordinator(1);
        get(c.initProducerId(TXN, 1_000, -1L, (short) -1));
        get(c.addPartitions(TXN, 4000L, (short) 0, List.of(A)));

        clock.advance(1_001);

        await().atMost(Duration.ofSeconds(5)).until(() -> stateLog.last(TXN).state() == TxnState.COMPLETE_ABORT);
        WritableTxnMarker marker = markers.sent.get(markers.sent.size() - 1);
        assertThat(marker.transactionResult()).isFalse();
        assertThat(marker.producerEpoch()).isEqualTo((short) 1);
        assertThat(get(c.endTxn(TXN, 4000L, (short) 0, true))).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(get(c.initProducerId(TXN, 1_000, -1L, (short) -1)).producerEpoch())
                .isEqualTo((short) 2);
    }

    @Test
    void reInitialisingAnOngoingTransactionAbortsItFirst() throws Exception {
        TransactionCoordinator c = coordinator(1);
        get(c.initProducerId(TXN, 10_000, -1L, (short) -1));
        get(c.addPartitions(TXN, 4000L, (short) 0, List.of(A)));

        assertThat(get(c.initProducerId(TXN, 10_000, -1L, (short) -1)).error())
                .isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        await().atMost(Duration.ofSeconds(5)).until(() -> stateLog.last(TXN).state() == TxnState.COMPLETE_ABORT);
        TransactionCoordinator.InitResult again = get(c.initProducerId(TXN, 10_000, -1L, (short) -1));
        assertThat(again.error()).isEqualTo(Errors.NONE);
        assertThat(again.producerEpoch()).isEqualTo((short) 2);
    }

    @Test
    void idsOfPartitionsNotLoadedHereAreNotCoordinated() throws Exception {
        TransactionCoordinator c = coordinator(1);
        c.onResignation(PARTITION, OptionalInt.empty());
        assertThat(get(c.initProducerId(TXN, 10_000, -1L, (short) -1)).error()).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(get(c.endTxn(TXN, 1L, (short) 0, true))).isEqualTo(Errors.NOT_COORDINATOR);
    }

    @Test
    void describeAndListReportTheStateOfTheIdsCoordinatedHere() throws Exception {
        TransactionCoordinator c = coordinator(1);
        get(c.initProducerId(TXN, 10_000, -1L, (short) -1));
        get(c.addPartitions(TXN, 4000L, (short) 0, List.of(A, B)));

        List<TransactionCoordinator.Described> described = get(c.describe(List.of(TXN, "unknown")));
        assertThat(described.get(0).error()).isEqualTo(Errors.NONE);
        assertThat(described.get(0).metadata().state()).isEqualTo(TxnState.ONGOING);
        assertThat(described.get(0).metadata().partitions()).containsExactlyInAnyOrder(A, B);
        assertThat(described.get(0).metadata().startTimestampMs()).isEqualTo(clock.millis());
        assertThat(described.get(1).error()).isEqualTo(Errors.TRANSACTIONAL_ID_NOT_FOUND);

        TransactionCoordinator.Listing all = get(c.list(List.of(), List.of(), -1L));
        assertThat(all.error()).isEqualTo(Errors.NONE);
        assertThat(all.transactions()).extracting(TxnMetadata::transactionalId).containsExactly(TXN);
        assertThat(get(c.list(List.of("Ongoing"), List.of(4000L), -1L)).transactions())
                .hasSize(1);
        assertThat(get(c.list(List.of("Empty"), List.of(), -1L)).transactions()).isEmpty();
        assertThat(get(c.list(List.of(), List.of(5L), -1L)).transactions()).isEmpty();
        TransactionCoordinator.Listing bogus = get(c.list(List.of("Bogus"), List.of(), -1L));
        assertThat(bogus.unknownStateFilters()).containsExactly("Bogus");
        assertThat(bogus.transactions()).isEmpty();
        // KIP-994: only transactions open longer than the duration
        assertThat(get(c.list(List.of(), List.of(), 500L)).transactions()).isEmpty();
        clock.advance(501);
        assertThat(get(c.list(List.of(), List.of(), 500L)).transactions()).hasSize(1);

        c.onResignation(PARTITION, OptionalInt.empty());
        assertThat(get(c.describe(List.of(TXN))).get(0).error()).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(get(c.list(List.of(), List.of(), -1L)).transactions()).isEmpty();
    }

    @Test
    void aPartitionWhoseLoadFailedIsLoadedAgainAfterABackoff() throws Exception {
        stateLog.readFailures.set(2);
        TransactionCoordinator c = coordinator(3);
        // while the loads fail the ids are loading here, not elsewhere: the client keeps asking this broker
        assertThat(get(c.initProducerId(TXN, 10_000, -1L, (short) -1)).error())
                .isIn(Errors.COORDINATOR_LOAD_IN_PROGRESS, Errors.NONE);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> get(c.initProducerId(TXN, 10_000, -1L, (short) -1)).error() == Errors.NONE);
        assertThat(stateLog.reads.get()).isEqualTo(3);
    }

    @Test
    void aResignationStopsTheLoadRetries() throws Exception {
        stateLog.readFailures.set(Integer.MAX_VALUE);
        TransactionCoordinator c = coordinator(3);
        await().atMost(Duration.ofSeconds(5)).until(() -> stateLog.reads.get() >= 2);
        c.onResignation(PARTITION, OptionalInt.of(4));
        assertThat(get(c.endTxn(TXN, 1L, (short) 0, true))).isEqualTo(Errors.NOT_COORDINATOR);
        int reads = stateLog.reads.get();
        // the next retry would have come within the (at most 5 s) backoff; wait for a later coordinator task
        await().during(Duration.ofMillis(TransactionCoordinator.LOAD_RETRY_INITIAL_MS * 4))
                .atMost(Duration.ofSeconds(2))
                .until(() -> stateLog.reads.get() == reads);
    }

    @Test
    void idleIdsAreExpiredWithATombstoneAndGetANewProducerIdAfterwards() throws Exception {
        TransactionCoordinator c = coordinator(1);
        get(c.initProducerId(TXN, 10_000, -1L, (short) -1));
        get(c.initProducerId("busy", 10_000, -1L, (short) -1));
        get(c.addPartitions("busy", 4001L, (short) 0, List.of(A)));

        clock.advance(EXPIRATION_MS);
        await().atMost(Duration.ofSeconds(5)).until(() -> stateLog.last(TXN) == null);
        assertThat(get(c.describe(List.of(TXN))).get(0).error()).isEqualTo(Errors.TRANSACTIONAL_ID_NOT_FOUND);
        // an open transaction is not idle: it times out and is aborted instead, then expires later
        assertThat(stateLog.last("busy")).isNotNull();
        TransactionCoordinator.InitResult again = get(c.initProducerId(TXN, 10_000, -1L, (short) -1));
        assertThat(again.producerId()).isNotEqualTo(4000L);
        assertThat(again.producerEpoch()).isZero();
    }

    @Test
    void aProducerFencedMidTransactionIsInPrepareEpochFenceUntilTheAbortIsWritten() throws Exception {
        TransactionCoordinator c = coordinator(1);
        get(c.initProducerId(TXN, 10_000, -1L, (short) -1));
        get(c.addPartitions(TXN, 4000L, (short) 0, List.of(A)));
        stateLog.appendGate = new CompletableFuture<>();

        assertThat(get(c.initProducerId(TXN, 10_000, -1L, (short) -1)).error())
                .isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        TransactionCoordinator.Described fencing = get(c.describe(List.of(TXN))).get(0);
        assertThat(fencing.metadata().state()).isEqualTo(TxnState.PREPARE_EPOCH_FENCE);
        assertThat(fencing.metadata().producerEpoch()).isEqualTo((short) 1);
        // the old instance is fenced at once
        assertThat(get(c.endTxn(TXN, 4000L, (short) 0, true))).isEqualTo(Errors.PRODUCER_FENCED);

        stateLog.appendGate.complete(null);
        stateLog.appendGate = null;
        await().atMost(Duration.ofSeconds(5)).until(() -> stateLog.last(TXN).state() == TxnState.COMPLETE_ABORT);
        assertThat(stateLog.last(TXN).producerEpoch()).isEqualTo((short) 1);
        assertThat(markers.sent.get(markers.sent.size() - 1).producerEpoch()).isEqualTo((short) 1);
    }

    @Test
    void recordsUseKafkasLayout() {
        byte[] key = TxnRecordCodec.key("t");
        assertThat(key).containsExactly(0, 0, 0, 1, 't');
        TxnMetadata md = new TxnMetadata("t", 42L, (short) 3, 60_000, TxnState.ONGOING, Set.of(A), 10L, 20L);
        ByteBuffer value = ByteBuffer.wrap(TxnRecordCodec.value(md));
        assertThat(value.getShort()).isZero(); // version
        assertThat(value.getLong()).isEqualTo(42L);
        assertThat(value.getShort()).isEqualTo((short) 3);
        assertThat(value.getInt()).isEqualTo(60_000);
        assertThat(value.get()).isEqualTo((byte) 1); // Ongoing
        assertThat(value.getInt()).isEqualTo(1); // topics
        assertThat(value.getShort()).isEqualTo((short) 1);
        assertThat((char) value.get()).isEqualTo('a');
        assertThat(value.getInt()).isEqualTo(1); // partitions
        assertThat(value.getInt()).isZero();
        assertThat(value.getLong()).isEqualTo(20L); // last update
        assertThat(value.getLong()).isEqualTo(10L); // start
        assertThat(value.hasRemaining()).isFalse();
        assertThat(TxnRecordCodec.decodeValue("t", ByteBuffer.wrap(TxnRecordCodec.value(md))))
                .isEqualTo(md);
        assertThat(TxnRecordCodec.decodeKey(ByteBuffer.wrap(key))).isEqualTo("t");
    }
}
