package io.sluice.broker.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.testing.ControlRequests;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class TopicLeadersWaiterTest {
    private static final Uuid ORDERS = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAQ");

    private final MetadataCache cache = new MetadataCache(1, "cluster");
    private final TopicLeadersWaiter waiter = TopicLeadersWaiter.over(cache);

    private void update(int leaderOfPartition1) {
        cache.update(ControlRequests.updateMetadata(1, 1)
                .broker(1, 9092, Optional.empty())
                .partition("orders", ORDERS, 0, 1, 1, List.of(1), List.of(1), List.of())
                .partition("orders", ORDERS, 1, leaderOfPartition1, 1, List.of(1), List.of(1), List.of())
                .build());
    }

    @Test
    void completesWhenAnUpdateBringsEveryPartitionALeader() throws Exception {
        CompletableFuture<Boolean> led = waiter.awaitLeaders(Map.of("orders", 2), 20_000);
        assertThat(led).isNotDone();

        update(-1);
        assertThat(led).as("partition 1 has no leader yet").isNotDone();

        update(1);
        assertThat(led.get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void completesAtOnceWhenTheCacheAlreadyHasTheLeaders() {
        update(1);

        assertThat(waiter.awaitLeaders(Map.of("orders", 2), 20_000)).isCompletedWithValue(true);
    }

    @Test
    void answersFalseAfterTheTimeoutWhenAPartitionIsMissing() throws Exception {
        update(1);

        CompletableFuture<Boolean> led = waiter.awaitLeaders(Map.of("orders", 3), 50);

        assertThat(led.get(5, TimeUnit.SECONDS)).isFalse();
    }
}
