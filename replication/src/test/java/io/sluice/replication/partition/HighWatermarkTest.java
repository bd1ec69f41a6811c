package io.sluice.replication.partition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;

/** High-watermark rules and what consumers may see. */
class HighWatermarkTest extends OneBrokerTest {
    private static final TopicPartition TP = new TopicPartition("orders", 0);

    HighWatermarkTest() {
        super(false);
    }

    private Partition lead(int epoch, List<Integer> isr, List<Integer> replicas) {
        assertThat(broker.leaderAndIsr(TP, 1, epoch, isr, replicas, 0, 1)).isEqualTo(Errors.NONE);
        return broker.partition(TP);
    }

    @Test
    void highWatermarkIsTheMinimumIsrLogEndAndNeverDecreases() {
        Partition p = lead(1, List.of(1, 2, 3), List.of(1, 2, 3));
        produce(TP, "a", "b", "c", "d", "e");
        assertThat(p.highWatermark()).isZero();

        broker.followerFetch(TP, 2, 5);
        assertThat(p.highWatermark()).isZero();
        broker.followerFetch(TP, 3, 4);
        assertThat(p.highWatermark()).isEqualTo(4);
        broker.followerFetch(TP, 3, 5);
        assertThat(p.highWatermark()).isEqualTo(5);

        broker.followerFetch(TP, 3, 2);
        assertThat(p.highWatermark()).isEqualTo(5);

        // a new leadership resets follower offsets to unknown: the high watermark must not drop
        assertThat(broker.leaderAndIsr(TP, 2, 2, List.of(1, 2, 3), List.of(1, 2, 3), 1, 1))
                .isEqualTo(Errors.NONE);
        assertThat(broker.leaderAndIsr(TP, 1, 3, List.of(1, 2, 3), List.of(1, 2, 3), 2, 1))
                .isEqualTo(Errors.NONE);
        assertThat(p.highWatermark()).isEqualTo(5);
        assertThat(p.followerState(2).orElseThrow().logEndOffset()).isEqualTo(-1L);
    }

    @Test
    void uncommittedShrinkKeepsTheLaggingMemberHoldingTheHighWatermark() {
        Partition p = lead(1, List.of(1, 2, 3), List.of(1, 2, 3));
        produce(TP, "a", "b", "c", "d");
        broker.followerFetch(TP, 2, 4);
        broker.followerFetch(TP, 3, 1);
        assertThat(p.highWatermark()).isEqualTo(1);

        clock.advance(TestBroker.LAG_MS + 1);
        broker.followerFetch(TP, 2, 4);
        broker.replicaManager.maybeShrinkIsr();

        assertThat(controller.count()).isEqualTo(1);
        assertThat(controller.last().proposedIsr()).containsExactly(1, 2);
        assertThat(p.state().isr()).containsExactly(1, 2, 3);
        assertThat(p.state().maximalIsr()).containsExactly(1, 2, 3);
        broker.followerFetch(TP, 2, 4);
        produce(TP, "e");
        broker.followerFetch(TP, 2, 5);
        assertThat(p.highWatermark()).isEqualTo(1);

        controller.last().commit();

        assertThat(p.state().isr()).containsExactly(1, 2);
        assertThat(p.state().partitionEpoch()).isEqualTo(1);
        assertThat(p.highWatermark()).isEqualTo(5);
    }

    @Test
    void consumerFetchBetweenHighWatermarkAndLogEndIsEmptyNotOutOfRange() {
        lead(1, List.of(1, 2), List.of(1, 2));
        produce(TP, "a", "b", "c");
        broker.followerFetch(TP, 2, 1);

        ReadResult atHw = broker.consumerFetch(TP, 1);
        ReadResult atLeo = broker.consumerFetch(TP, 3);
        ReadResult beyond = broker.consumerFetch(TP, 4);

        assertThat(atHw.error()).isEqualTo(Errors.NONE);
        assertThat(atHw.bytes()).isZero();
        assertThat(atHw.highWatermark()).isEqualTo(1);
        assertThat(atLeo.error()).isEqualTo(Errors.NONE);
        assertThat(atLeo.bytes()).isZero();
        assertThat(beyond.error()).isEqualTo(Errors.OFFSET_OUT_OF_RANGE);
    }

    @Test
    void consumersReadOnlyBelowTheHighWatermarkWhileFollowersReadToTheLogEnd() {
        lead(1, List.of(1, 2), List.of(1, 2));
        produce(TP, "a", "b", "c");
        broker.followerFetch(TP, 2, 2);

        assertThat(TestBroker.values(broker.consumerFetch(TP, 0))).containsExactly("a", "b");
        assertThat(TestBroker.values(broker.followerFetch(TP, 2, 0))).containsExactly("a", "b", "c");
    }

    @Test
    void consumerLongPollIsWokenWhenTheHighWatermarkMoves() {
        lead(1, List.of(1, 2), List.of(1, 2));
        produce(TP, "a");
        java.util.concurrent.CompletableFuture<ReadResult> poll = new java.util.concurrent.CompletableFuture<>();
        broker.replicaManager.fetchMessages(
                new FetchParams(-1, 30_000L, 1, 1024 * 1024, FetchIsolation.HIGH_WATERMARK),
                List.of(new PartitionFetch(TP, 0L, -1L, 1024 * 1024, Partition.NO_EPOCH, Partition.NO_EPOCH)),
                r -> poll.complete(r.get(TP)));
        assertThat(poll).isNotDone();

        broker.followerFetch(TP, 2, 1);

        await().atMost(Duration.ofSeconds(10)).until(poll::isDone);
        assertThat(TestBroker.values(poll.join())).containsExactly("a");
    }

    @Test
    void listOffsetsLatestIsTheHighWatermarkForConsumersAndTimestampsStopThere() {
        lead(1, List.of(1, 2), List.of(1, 2));
        for (int i = 0; i < 4; i++) {
            assertThat(broker.produceNow(TP, TestRecords.plain(100L * (i + 1), "v" + i), 1)
                            .error())
                    .isEqualTo(Errors.NONE);
        }
        broker.followerFetch(TP, 2, 2);
        ReplicaManager rm = broker.replicaManager;

        OffsetLookup latest = rm.listOffsets(TP, Partition.LATEST_TIMESTAMP, FetchIsolation.HIGH_WATERMARK, 1);
        OffsetLookup replicaLatest = rm.listOffsets(TP, Partition.LATEST_TIMESTAMP, FetchIsolation.LOG_END, 1);
        OffsetLookup earliest = rm.listOffsets(TP, Partition.EARLIEST_TIMESTAMP, FetchIsolation.HIGH_WATERMARK, 1);
        OffsetLookup byTime = rm.listOffsets(TP, 150L, FetchIsolation.HIGH_WATERMARK, 1);
        OffsetLookup aboveHw = rm.listOffsets(TP, 250L, FetchIsolation.HIGH_WATERMARK, 1);
        OffsetLookup max = rm.listOffsets(TP, Partition.MAX_TIMESTAMP, FetchIsolation.LOG_END, 1);

        assertThat(latest.offset()).isEqualTo(2);
        assertThat(latest.leaderEpoch()).isEqualTo(1);
        assertThat(replicaLatest.offset()).isEqualTo(4);
        assertThat(earliest.offset()).isZero();
        assertThat(byTime.offset()).isEqualTo(1);
        assertThat(byTime.timestamp()).isEqualTo(200L);
        assertThat(aboveHw.error()).isEqualTo(Errors.NONE);
        assertThat(aboveHw.offset()).isEqualTo(-1L);
        assertThat(max.offset()).isEqualTo(3);
        assertThat(max.timestamp()).isEqualTo(400L);
    }

    @Test
    void newLeaderAnswersOffsetNotAvailableUntilItsHighWatermarkReachesTheEpochStart() {
        assertThat(broker.leaderAndIsr(TP, 2, 1, List.of(1, 2), List.of(1, 2), 0, 1))
                .isEqualTo(Errors.NONE);
        Partition p = broker.partition(TP);
        MemoryRecords fromLeader = MemoryRecords.withRecords(
                0L, Compression.NONE, 1, record(100L, "a"), record(200L, "b"), record(300L, "c"));
        assertThat(p.appendRecordsFromLeader(fromLeader, 1L, 0L)).isEqualTo(3);
        assertThat(p.highWatermark()).isEqualTo(1);

        assertThat(broker.leaderAndIsr(TP, 1, 2, List.of(1, 2), List.of(1, 2), 1, 1))
                .isEqualTo(Errors.NONE);
        assertThat(p.leaderEpochStartOffset()).isEqualTo(3);
        ReplicaManager rm = broker.replicaManager;

        assertThat(rm.listOffsets(TP, Partition.LATEST_TIMESTAMP, FetchIsolation.HIGH_WATERMARK, 2)
                        .error())
                .isEqualTo(Errors.OFFSET_NOT_AVAILABLE);
        assertThat(rm.listOffsets(TP, 250L, FetchIsolation.HIGH_WATERMARK, 2).error())
                .isEqualTo(Errors.OFFSET_NOT_AVAILABLE);
        assertThat(rm.listOffsets(TP, 50L, FetchIsolation.HIGH_WATERMARK, 2).offset())
                .isZero();

        broker.followerFetch(TP, 2, 3);

        OffsetLookup latest = rm.listOffsets(TP, Partition.LATEST_TIMESTAMP, FetchIsolation.HIGH_WATERMARK, 2);
        assertThat(latest.error()).isEqualTo(Errors.NONE);
        assertThat(latest.offset()).isEqualTo(3);
    }

    private static SimpleRecord record(long timestamp, String value) {
        return new SimpleRecord(timestamp, null, value.getBytes(StandardCharsets.UTF_8));
    }
}
