package io.sluice.replication.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which partitions a throttled-replicas list throttles on one broker. */
class ThrottledPartitionsTest {

    @Test
    void pairsNamingThisBrokerThrottleTheirPartitions() {
        // as kafka-reassign-partitions.sh writes them: partition 0 on brokers 1 and 2, partition 1 on 2 and 3
        List<String> entries = List.of("0:1", "0:2", "1:2", " 1:3 ");
        assertThat(ThrottledPartitions.parse(entries, 1).partitions()).containsExactly(0);
        assertThat(ThrottledPartitions.parse(entries, 2).partitions()).containsExactlyInAnyOrder(0, 1);
        assertThat(ThrottledPartitions.parse(entries, 3).partitions()).containsExactly(1);
        ThrottledPartitions onFour = ThrottledPartitions.parse(entries, 4);
        assertThat(onFour.isEmpty()).isTrue();
        assertThat(onFour.contains(0)).isFalse();
    }

    @Test
    void starThrottlesEveryPartition() {
        ThrottledPartitions all = ThrottledPartitions.parse(List.of("*"), 7);
        assertThat(all.all()).isTrue();
        assertThat(all.contains(0)).isTrue();
        assertThat(all.contains(999)).isTrue();
        assertThat(all.isEmpty()).isFalse();
    }

    @Test
    void emptyListThrottlesNothing() {
        assertThat(ThrottledPartitions.parse(List.of(), 1)).isEqualTo(ThrottledPartitions.NONE);
        assertThat(ThrottledPartitions.parse(List.of(""), 1)).isEqualTo(ThrottledPartitions.NONE);
        assertThat(new ThrottledPartitions(false, Set.of()).isEmpty()).isTrue();
    }

    @Test
    void malformedEntriesAreRefused() {
        assertThatThrownBy(() -> ThrottledPartitions.parse(List.of("0-1"), 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0-1");
        assertThatThrownBy(() -> ThrottledPartitions.parse(List.of("a:1"), 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
