package io.sluice.replication.fetcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.replication.epoch.EpochEndOffset;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.record.MemoryRecords;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A follower that once led an epoch without appending has that epoch at its log end; the leader, which never saw it,
 * answers with a diverging epoch that ends exactly at the follower's log end. The answer must drop the empty epoch
 * (so the next fetch succeeds) instead of backing off and getting the same answer for ever.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class EmptyEpochDivergenceTest {
    private static final TopicPartition TP = new TopicPartition("orders", 0);
    private static final long BACKOFF_MS = 1_000L;
    private static final long NOW = 5_000L;

    /** A follower log of {@code logEndOffset} records whose epochs start as given; truncation as ReplicaLog does. */
    private static final class Follower implements FollowerPartition {
        final TreeMap<Integer, Long> epochStarts = new TreeMap<>();
        final List<Long> truncations = new ArrayList<>();
        final long logEndOffset;

        Follower(long logEndOffset, Map<Integer, Long> epochs) {
            this.logEndOffset = logEndOffset;
            epochStarts.putAll(epochs);
        }

        @Override
        public TopicPartition topicPartition() {
            return TP;
        }

        @Override
        public int leaderEpoch() {
            return 7;
        }

        @Override
        public long logStartOffset() {
            return 0;
        }

        @Override
        public long logEndOffset() {
            return logEndOffset;
        }

        @Override
        public OptionalInt latestEpoch() {
            return epochStarts.isEmpty() ? OptionalInt.empty() : OptionalInt.of(epochStarts.lastKey());
        }

        @Override
        public EpochEndOffset endOffsetForEpoch(int epoch) {
            Map.Entry<Integer, Long> floor = epochStarts.floorEntry(epoch);
            if (floor == null) {
                return EpochEndOffset.UNDEFINED;
            }
            Map.Entry<Integer, Long> higher = epochStarts.higherEntry(floor.getKey());
            return new EpochEndOffset(floor.getKey(), higher == null ? logEndOffset : higher.getValue());
        }

        @Override
        public long appendRecordsFromLeader(MemoryRecords records, long leaderHighWatermark, long leaderLogStart) {
            throw new AssertionError("a diverging answer appends nothing");
        }

        @Override
        public void truncateTo(long offset) {
            truncations.add(offset);
            epochStarts.values().removeIf(start -> start >= Math.min(offset, logEndOffset));
        }

        @Override
        public void truncateFullyAndStartAt(long offset) {
            throw new AssertionError("not expected");
        }
    }

    private static PartitionFetchState apply(Follower follower, int divergingEpoch, long divergingEndOffset) {
        PartitionAnswerApplier applier = new PartitionAnswerApplier(
                "[test] ",
                BACKOFF_MS,
                new FetcherMetrics(new SimpleMeterRegistry(), Clock.systemUTC()).lagFor(1),
                (tp, state, what, e) -> {
                    throw new AssertionError("failed while " + what, e);
                });
        PartitionFetchState state = new PartitionFetchState(follower, 7);
        applier.apply(
                TP,
                state,
                new FetchResponseData.PartitionData()
                        .setPartitionIndex(0)
                        .setHighWatermark(3)
                        .setLogStartOffset(0)
                        .setDivergingEpoch(new FetchResponseData.EpochEndOffset()
                                .setEpoch(divergingEpoch)
                                .setEndOffset(divergingEndOffset)),
                NOW);
        return state;
    }

    @Test
    void dropsAnEpochThatStartsAtTheLogEnd() {
        // Epoch 1 wrote offsets 0..2; this replica then led epoch 3 from offset 3 without appending.
        Follower follower = new Follower(3, Map.of(1, 0L, 3, 3L));

        PartitionFetchState state = apply(follower, 1, 3);

        assertThat(follower.truncations).containsExactly(3L);
        assertThat(follower.latestEpoch()).hasValue(1);
        assertThat(state.isFetchable(NOW)).as("fetches again at once").isTrue();
    }

    @Test
    void backsOffWhenTheAnswerChangesNothing() {
        Follower follower = new Follower(3, Map.of(1, 0L));

        PartitionFetchState state = apply(follower, 1, 5);

        assertThat(follower.latestEpoch()).hasValue(1);
        assertThat(state.isFetchable(NOW)).isFalse();
        assertThat(state.isFetchable(NOW + BACKOFF_MS)).isTrue();
    }
}
