package io.sluice.broker.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.broker.group.OffsetsLog;
import io.sluice.broker.producer.ProducerIdManager;
import io.sluice.metadata.model.ProducerIdBlock;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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

    /** The state topic with one partition, in memory. */
    static final class MemoryStateLog implements OffsetsLog {
        final List<MemoryRecords> appended = new CopyOnWriteArrayList<>();

        @Override
        public int partitionCount() {
            return 1;
        }

        @Override
        public CompletableFuture<Errors> append(int partition, MemoryRecords records, long timeoutMs) {
            appended.add(records);
            return CompletableFuture.completedFuture(Errors.NONE);
        }

        @Override
        public long read(int partition, Consumer<RecordBatch> visitor) {
            appended.forEach(r -> r.batches().forEach(visitor));
            return appended.size();
        }

        /** The last state written for {@code id}. */
        TxnMetadata last(String id) {
            TxnMetadata last = null;
            for (MemoryRecords records : appended) {
                for (Record r : records.records()) {
                    if (TxnRecordCodec.decodeKey(r.key()).equals(id)) {
                        last = TxnRecordCodec.decodeValue(id, r.value());
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

    static final class MovableClock extends Clock {
        final AtomicLong now = new AtomicLong(1_000_000L);

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(now.get());
        }
    }

    private final MemoryStateLog stateLog = new MemoryStateLog();
    private final FakeMarkers markers = new FakeMarkers();
    private final MovableClock clock = new MovableClock();
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
                () -> 50);
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

        clock.now.addAndGet(1_001);

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
