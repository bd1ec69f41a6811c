package io.sluice.replication.producer;

import static io.sluice.replication.producer.TestBatches.idempotent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.sluice.replication.producer.ValidationResult.Outcome;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ProducerStateManagerTest {
    private static final long PID = 4_000L;
    private static final short EPOCH = 3;

    private ProducerStateManager manager;

    @BeforeEach
    void setUp() {
        manager = new ProducerStateManager(new TopicPartition("orders", 0));
    }

    /** Validates as leader, expects OK, then records the batch as appended. */
    private void append(RecordBatch batch) {
        assertThat(manager.validate(batch).outcome()).isEqualTo(Outcome.OK);
        manager.update(batch);
    }

    @Test
    void nonIdempotentBatchesAreAlwaysAcceptedAndNeverRecorded() {
        RecordBatch batch = TestBatches.plain(0);
        assertThat(batch.producerId()).isEqualTo(RecordBatch.NO_PRODUCER_ID);
        assertThat(manager.validate(batch)).isEqualTo(ValidationResult.OK);
        manager.update(batch);
        manager.update(batch);
        assertThat(manager.validate(batch).outcome()).isEqualTo(Outcome.OK);
        assertThat(manager.producerCount()).isZero();
    }

    @Test
    void unknownProducerIsAcceptedWithAnySequence() {
        assertThat(manager.validate(idempotent(PID, EPOCH, 4_711, 2, 0)).outcome())
                .isEqualTo(Outcome.OK);
        assertThat(manager.validate(idempotent(PID, EPOCH, 0, 2, 0)).outcome()).isEqualTo(Outcome.OK);
        assertThat(manager.producerCount()).isZero();
    }

    /**
     * Two in-flight batches of a producer to a new partition, the first refused by a broker that was not yet its
     * leader: the second must not be appended first, or the first is out of order on every retry (KAFKA-15591).
     */
    @Test
    void aLogThatNeverHeldARecordTakesAnUnknownProducerOnlyFromSequenceZero() {
        ValidationResult later = manager.validate(idempotent(PID, EPOCH, 17, 5, 0), true);
        assertThat(later.outcome()).isEqualTo(Outcome.OUT_OF_ORDER_SEQUENCE);
        assertThat(later.error()).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertThat(later.message()).contains("never held a record").contains("got 17");

        assertThat(manager.validate(idempotent(PID, EPOCH, 0, 17, 0), true).outcome())
                .isEqualTo(Outcome.OK);
        append(idempotent(PID, EPOCH, 0, 17, 0));
        assertThat(manager.validate(idempotent(PID, EPOCH, 17, 5, 17), false).outcome())
                .isEqualTo(Outcome.OK);
        // a log that held records (then emptied by retention or DeleteRecords) takes any first sequence
        assertThat(manager.validate(idempotent(PID + 1, EPOCH, 17, 5, 0), false).outcome())
                .isEqualTo(Outcome.OK);
    }

    @Test
    void nextSequenceIsAcceptedAndRecorded() {
        append(idempotent(PID, EPOCH, 0, 3, 10));
        append(idempotent(PID, EPOCH, 3, 2, 13));

        ProducerStateEntry entry = manager.lastEntry(PID).orElseThrow();
        assertThat(entry.epoch()).isEqualTo(EPOCH);
        assertThat(entry.lastSeq()).isEqualTo(4);
        assertThat(entry.lastOffset()).isEqualTo(14);
        assertThat(entry.batches())
                .containsExactly(new BatchMetadata(0, 2, 10, 12, 1_002), new BatchMetadata(3, 4, 13, 14, 1_001));
        assertThat(entry.lastTimestamp()).isEqualTo(1_001);
    }

    @Test
    void sequenceGapIsOutOfOrder() {
        append(idempotent(PID, EPOCH, 0, 3, 0));
        ValidationResult result = manager.validate(idempotent(PID, EPOCH, 4, 1, 3));
        assertThat(result.outcome()).isEqualTo(Outcome.OUT_OF_ORDER_SEQUENCE);
        assertThat(result.error()).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertThat(result.message()).contains("sequence 4").contains("last sequence 2");
    }

    @Test
    void overlappingButDifferentRangeIsOutOfOrderNotDuplicate() {
        append(idempotent(PID, EPOCH, 0, 3, 0));
        assertThat(manager.validate(idempotent(PID, EPOCH, 0, 2, 3)).outcome())
                .isEqualTo(Outcome.OUT_OF_ORDER_SEQUENCE);
        assertThat(manager.validate(idempotent(PID, EPOCH, 1, 2, 3)).outcome())
                .isEqualTo(Outcome.OUT_OF_ORDER_SEQUENCE);
    }

    @Test
    void retryOfLastBatchIsDuplicateWithOriginalOffsets() {
        append(idempotent(PID, EPOCH, 0, 3, 100, 7_000));
        ValidationResult result = manager.validate(idempotent(PID, EPOCH, 0, 3, 555, 7_000));
        assertThat(result.outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(result.error()).isEqualTo(Errors.NONE);
        assertThat(result.firstOffset()).isEqualTo(100);
        assertThat(result.lastOffset()).isEqualTo(102);
        assertThat(result.timestamp()).isEqualTo(7_002);
    }

    @Test
    void batchFiveBackIsDuplicateButSixBackIsOutOfOrder() {
        long offset = 0;
        for (int i = 0; i < 6; i++) {
            append(idempotent(PID, EPOCH, i * 2, 2, offset));
            offset += 2;
        }
        // Batches: seq 0-1 @0, 2-3 @2, 4-5 @4, 6-7 @6, 8-9 @8, 10-11 @10; only the last five are remembered.
        ValidationResult fiveBack = manager.validate(idempotent(PID, EPOCH, 2, 2, 99));
        assertThat(fiveBack.outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(fiveBack.firstOffset()).isEqualTo(2);
        assertThat(fiveBack.lastOffset()).isEqualTo(3);

        assertThat(manager.validate(idempotent(PID, EPOCH, 0, 2, 99)).outcome())
                .isEqualTo(Outcome.OUT_OF_ORDER_SEQUENCE);
        assertThat(manager.lastEntry(PID).orElseThrow().batches()).hasSize(ProducerStateEntry.NUM_BATCHES_TO_RETAIN);
    }

    @Test
    void lowerEpochIsFenced() {
        append(idempotent(PID, EPOCH, 0, 1, 0));
        ValidationResult result = manager.validate(idempotent(PID, (short) (EPOCH - 1), 1, 1, 1));
        assertThat(result.outcome()).isEqualTo(Outcome.INVALID_PRODUCER_EPOCH);
        assertThat(result.error()).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        // Even an exact retry of a remembered range is fenced when the epoch is older.
        assertThat(manager.validate(idempotent(PID, (short) (EPOCH - 1), 0, 1, 1))
                        .outcome())
                .isEqualTo(Outcome.INVALID_PRODUCER_EPOCH);
    }

    @Test
    void newEpochMustStartAtSequenceZero() {
        append(idempotent(PID, EPOCH, 0, 5, 0));
        ValidationResult notZero = manager.validate(idempotent(PID, (short) (EPOCH + 1), 5, 1, 5));
        assertThat(notZero.outcome()).isEqualTo(Outcome.OUT_OF_ORDER_SEQUENCE);
        assertThat(notZero.message()).contains("must start at sequence 0");

        append(idempotent(PID, (short) (EPOCH + 1), 0, 2, 5));
        ProducerStateEntry entry = manager.lastEntry(PID).orElseThrow();
        assertThat(entry.epoch()).isEqualTo((short) (EPOCH + 1));
        assertThat(entry.batches()).containsExactly(new BatchMetadata(0, 1, 5, 6, 1_001));
        // The old epoch is now fenced, even for a range that was remembered before the bump.
        assertThat(manager.validate(idempotent(PID, EPOCH, 0, 5, 7)).outcome())
                .isEqualTo(Outcome.INVALID_PRODUCER_EPOCH);
    }

    @Test
    void sequenceWrapsAroundAtIntegerMaxValue() {
        append(idempotent(PID, EPOCH, Integer.MAX_VALUE - 3, 2, 0)); // seq MAX-3, MAX-2
        // The next batch runs MAX-1, MAX, 0: in sequence although its last sequence is below its first.
        RecordBatch wrapping = TestBatches.withBaseSequence(PID, EPOCH, Integer.MAX_VALUE - 1, 3, 2);
        assertThat(wrapping.lastSequence()).isZero();
        append(wrapping);
        assertThat(manager.lastEntry(PID).orElseThrow().lastSeq()).isZero();

        ValidationResult retry =
                manager.validate(TestBatches.withBaseSequence(PID, EPOCH, Integer.MAX_VALUE - 1, 3, 9));
        assertThat(retry.outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(retry.firstOffset()).isEqualTo(2);
        assertThat(retry.lastOffset()).isEqualTo(4);
        assertThat(manager.validate(idempotent(PID, EPOCH, 2, 1, 5)).outcome())
                .isEqualTo(Outcome.OUT_OF_ORDER_SEQUENCE);
        append(idempotent(PID, EPOCH, 1, 1, 5));

        // A batch ending exactly at MAX: the next one must start at 0.
        ProducerStateManager other = new ProducerStateManager(new TopicPartition("orders", 1));
        other.update(idempotent(PID, EPOCH, Integer.MAX_VALUE - 1, 2, 0));
        assertThat(other.lastEntry(PID).orElseThrow().lastSeq()).isEqualTo(Integer.MAX_VALUE);
        assertThat(other.validate(idempotent(PID, EPOCH, 1, 1, 2)).outcome()).isEqualTo(Outcome.OUT_OF_ORDER_SEQUENCE);
        assertThat(other.validate(idempotent(PID, EPOCH, 0, 1, 2)).outcome()).isEqualTo(Outcome.OK);
    }

    @Test
    void inSequenceHandlesWrapAroundOnly() {
        assertThat(ProducerStateManager.inSequence(4, 5)).isTrue();
        assertThat(ProducerStateManager.inSequence(Integer.MAX_VALUE, 0)).isTrue();
        assertThat(ProducerStateManager.inSequence(Integer.MAX_VALUE, Integer.MIN_VALUE))
                .isFalse();
        assertThat(ProducerStateManager.inSequence(4, 4)).isFalse();
        assertThat(ProducerStateManager.inSequence(4, 6)).isFalse();
    }

    @Test
    void producersAreIndependent() {
        append(idempotent(PID, EPOCH, 0, 2, 0));
        append(idempotent(PID + 1, (short) 0, 0, 2, 2));
        assertThat(manager.validate(idempotent(PID, EPOCH, 2, 1, 4)).outcome()).isEqualTo(Outcome.OK);
        assertThat(manager.validate(idempotent(PID + 1, (short) 0, 5, 1, 4)).outcome())
                .isEqualTo(Outcome.OUT_OF_ORDER_SEQUENCE);
        assertThat(manager.activeProducers()).containsOnlyKeys(PID, PID + 1);
    }

    @Test
    void followerUpdateFollowsTheLogEvenWithALowerEpoch() {
        manager.update(idempotent(PID, EPOCH, 0, 1, 0));
        manager.update(idempotent(PID, (short) (EPOCH - 1), 7, 1, 1));
        ProducerStateEntry entry = manager.lastEntry(PID).orElseThrow();
        assertThat(entry.epoch()).isEqualTo((short) (EPOCH - 1));
        assertThat(entry.batches()).containsExactly(new BatchMetadata(7, 7, 1, 1, 1_000));
    }

    @Test
    void truncateFromDropsBatchesAtOrAfterTheOffsetAndEmptyProducers() {
        append(idempotent(PID, EPOCH, 0, 2, 0)); // offsets 0-1
        append(idempotent(PID + 1, EPOCH, 0, 2, 2)); // offsets 2-3
        append(idempotent(PID, EPOCH, 2, 2, 4)); // offsets 4-5

        manager.truncateFrom(5); // cuts into the batch at 4-5: the whole batch goes
        assertThat(manager.lastEntry(PID).orElseThrow().batches())
                .containsExactly(new BatchMetadata(0, 1, 0, 1, 1_001));
        assertThat(manager.lastEntry(PID + 1)).isPresent();
        // The truncated range may be re-sent by the producer.
        assertThat(manager.validate(idempotent(PID, EPOCH, 2, 2, 4)).outcome()).isEqualTo(Outcome.OK);

        manager.truncateFrom(2);
        assertThat(manager.lastEntry(PID + 1)).isEmpty();
        assertThat(manager.activeProducers()).containsOnlyKeys(PID);

        manager.truncateFrom(0);
        assertThat(manager.producerCount()).isZero();
    }

    @Test
    void logStartIncrementForgetsProducersWhoseLastOffsetIsBelowIt() {
        append(idempotent(PID, EPOCH, 0, 2, 0)); // last offset 1
        append(idempotent(PID + 1, EPOCH, 0, 2, 2)); // last offset 3
        manager.onLogStartOffsetIncrement(3);
        assertThat(manager.activeProducers()).containsOnlyKeys(PID + 1);
        manager.onLogStartOffsetIncrement(4);
        assertThat(manager.producerCount()).isZero();
    }

    @Test
    void expiredProducersAreRemoved() {
        append(idempotent(PID, EPOCH, 0, 1, 0, 1_000));
        append(idempotent(PID + 1, EPOCH, 0, 1, 1, 5_000));
        assertThat(manager.removeExpiredProducers(5_999, 5_000)).isZero();
        assertThat(manager.removeExpiredProducers(6_000, 5_000)).isEqualTo(1);
        assertThat(manager.activeProducers()).containsOnlyKeys(PID + 1);
    }

    @Test
    void entryRejectsInvalidBatchLists() {
        BatchMetadata b = new BatchMetadata(0, 0, 0, 0, 0);
        assertThatIllegalArgumentException().isThrownBy(() -> new ProducerStateEntry(PID, EPOCH, List.of(), 0));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ProducerStateEntry(PID, EPOCH, List.of(b, b, b, b, b, b), 0));
    }
}
