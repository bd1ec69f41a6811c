package io.sluice.broker.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testsupport.ManualClock;
import java.util.LinkedHashMap;
import java.util.Random;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

class FetchSessionCacheTest {
    private static final long EVICTION_MS = 1_000L;
    private final ManualClock clock = new ManualClock(1_000_000L);

    private FetchSessionCache cache(int slots) {
        return new FetchSessionCache(slots, EVICTION_MS, clock, new Random(7), FetchSessionMetrics.NOOP);
    }

    private void advance(long ms) {
        clock.advance(ms);
    }

    static LinkedHashMap<PartitionKey, CachedPartition> partitions(int n) {
        LinkedHashMap<PartitionKey, CachedPartition> map = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            PartitionKey key = new PartitionKey(Uuid.ZERO_UUID, "t", i);
            map.put(key, new CachedPartition(new FetchEntry(key, 0L, -1L, 1024, -1, -1)));
        }
        return map;
    }

    @Test
    void createsUpToTheSlotsWithDistinctNonZeroIdsAndCountsPartitions() {
        FetchSessionCache cache = cache(3);

        int a = cache.maybeCreate(false, false, partitions(2));
        int b = cache.maybeCreate(false, false, partitions(3));
        int c = cache.maybeCreate(false, false, partitions(4));

        assertThat(a).isNotZero();
        assertThat(b).isNotZero().isNotEqualTo(a);
        assertThat(c).isNotZero().isNotIn(a, b);
        assertThat(cache.size()).isEqualTo(3);
        assertThat(cache.partitions()).isEqualTo(9);
        assertThat(cache.get(b).orElseThrow().epoch()).isEqualTo(1);

        cache.remove(b);
        assertThat(cache.partitions()).isEqualTo(6);
        assertThat(cache.get(b)).isEmpty();
    }

    @Test
    void noSlotsMeansNoSessions() {
        FetchSessionCache cache = cache(0);
        assertThat(cache.maybeCreate(true, false, partitions(5))).isZero();
        assertThat(cache.size()).isZero();
    }

    @Test
    void aFullCacheRefusesAConsumerWhileEverySessionIsYoungAndInUse() {
        FetchSessionCache cache = cache(2);
        cache.maybeCreate(false, false, partitions(1));
        cache.maybeCreate(false, false, partitions(1));

        assertThat(cache.maybeCreate(false, false, partitions(100))).isZero();
        assertThat(cache.size()).isEqualTo(2);
    }

    @Test
    void aStaleSessionIsEvictedFirst() {
        FetchSessionCache cache = cache(2);
        int stale = cache.maybeCreate(true, false, partitions(50));
        advance(500);
        int used = cache.maybeCreate(false, false, partitions(1));
        advance(EVICTION_MS - 100);
        cache.touch(cache.get(used).orElseThrow());
        advance(200); // stale's last use is now more than EVICTION_MS ago, used's is not

        int fresh = cache.maybeCreate(false, false, partitions(1));

        assertThat(fresh).isNotZero();
        assertThat(cache.get(stale)).isEmpty();
        assertThat(cache.get(used)).isPresent();
    }

    @Test
    void aFollowerEvictsTheSmallestConsumerSessionButNotAnotherYoungFollowerSession() {
        FetchSessionCache cache = cache(3);
        int follower = cache.maybeCreate(true, false, partitions(1));
        int small = cache.maybeCreate(false, false, partitions(2));
        int large = cache.maybeCreate(false, false, partitions(10));

        int newFollower = cache.maybeCreate(true, false, partitions(1));

        assertThat(newFollower).isNotZero();
        assertThat(cache.get(small)).as("smallest consumer session").isEmpty();
        assertThat(cache.get(large)).isPresent();
        assertThat(cache.get(follower)).isPresent();

        // only follower sessions and one large consumer session left: the next follower takes the consumer's slot
        int third = cache.maybeCreate(true, false, partitions(1));
        assertThat(third).isNotZero();
        assertThat(cache.get(large)).isEmpty();
        // now every session is a young follower session: nothing can be evicted
        assertThat(cache.maybeCreate(true, false, partitions(1000))).isZero();
    }

    @Test
    void aConsumerEvictsOnlyOldSessionsAndOnlyLessValuableOnes() {
        FetchSessionCache cache = cache(2);
        int big = cache.maybeCreate(false, false, partitions(10));
        int small = cache.maybeCreate(false, false, partitions(3));
        advance(EVICTION_MS + 1);
        // both used just now: none is stale, both are old enough to be evictable
        cache.touch(cache.get(big).orElseThrow());
        cache.touch(cache.get(small).orElseThrow());

        assertThat(cache.maybeCreate(false, false, partitions(2)))
                .as("smaller than the least valuable session")
                .isZero();
        int mid = cache.maybeCreate(false, false, partitions(5));

        assertThat(mid).isNotZero();
        assertThat(cache.get(small)).isEmpty();
        assertThat(cache.get(big)).isPresent();
    }

    @Test
    void anOldFollowerSessionCanBeEvictedByAMoreValuableFollowerSession() {
        FetchSessionCache cache = cache(1);
        int old = cache.maybeCreate(true, false, partitions(2));
        advance(EVICTION_MS + 1);
        cache.touch(cache.get(old).orElseThrow());

        assertThat(cache.maybeCreate(false, false, partitions(100)))
                .as("a consumer is less valuable than a follower")
                .isZero();
        int replacement = cache.maybeCreate(true, false, partitions(3));
        assertThat(replacement).isNotZero();
        assertThat(cache.get(old)).isEmpty();
        assertThat(cache.size()).isEqualTo(1);
        assertThat(cache.partitions()).isEqualTo(3);
    }
}
