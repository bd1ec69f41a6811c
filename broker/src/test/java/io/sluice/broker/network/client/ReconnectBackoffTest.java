package io.sluice.broker.network.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ReconnectBackoffTest {

    @Test
    void withoutJitterTheDelayDoublesUpToTheMax() {
        ReconnectBackoff backoff = new ReconnectBackoff(Duration.ofMillis(50), Duration.ofSeconds(1), 0, new Random(1));

        assertThat(backoff.delayNanos(0)).isZero();
        assertThat(millis(backoff, 1)).isEqualTo(50);
        assertThat(millis(backoff, 2)).isEqualTo(100);
        assertThat(millis(backoff, 3)).isEqualTo(200);
        assertThat(millis(backoff, 5)).isEqualTo(800);
        assertThat(millis(backoff, 6)).isEqualTo(1000);
        assertThat(millis(backoff, 1000)).isEqualTo(1000);
    }

    @Test
    void jitterStaysWithinTwentyPercentAndTheBounds() {
        ReconnectBackoff backoff =
                new ReconnectBackoff(Duration.ofMillis(50), Duration.ofSeconds(1), 0.2, new Random(7));
        for (int i = 0; i < 1000; i++) {
            assertThat(millis(backoff, 1)).isBetween(50L, 60L);
            assertThat(millis(backoff, 3)).isBetween(160L, 240L);
            assertThat(millis(backoff, 10)).isBetween(800L, 1000L);
        }
    }

    @Test
    void sameSeedSameDelays() {
        ReconnectBackoff a = new ReconnectBackoff(Duration.ofMillis(50), Duration.ofSeconds(1), 0.2, new Random(3));
        ReconnectBackoff b = new ReconnectBackoff(Duration.ofMillis(50), Duration.ofSeconds(1), 0.2, new Random(3));
        for (int failures = 1; failures < 10; failures++) {
            assertThat(a.delayNanos(failures)).isEqualTo(b.delayNanos(failures));
        }
    }

    private static long millis(ReconnectBackoff backoff, int failures) {
        return Duration.ofNanos(backoff.delayNanos(failures)).toMillis();
    }
}
