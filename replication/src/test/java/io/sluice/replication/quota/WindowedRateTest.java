package io.sluice.replication.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The sampled byte rate behind replication throttles: window, burst bound, expiry and the wake-up hint. */
class WindowedRateTest {
    private static final long SAMPLE_MS = 1_000;
    private static final int SAMPLES = 11;

    @Test
    void emptyRateIsZero() {
        WindowedRate rate = new WindowedRate(SAMPLES, SAMPLE_MS);
        assertThat(rate.rate(5_000)).isZero();
        assertThat(rate.msUntilAtMost(5_000, 100)).isZero();
        assertThat(rate.windowMs()).isEqualTo(11_000);
    }

    @Test
    void firstBytesAreMeasuredOverAtLeastOneSample() {
        WindowedRate rate = new WindowedRate(SAMPLES, SAMPLE_MS);
        rate.record(10_000, 4_000);
        // 4,000 bytes at once count as 4,000 bytes/s, not as an infinite rate
        assertThat(rate.rate(10_000)).isEqualTo(4_000.0);
        assertThat(rate.rate(10_500)).isEqualTo(4_000.0);
        assertThat(rate.rate(12_000)).isEqualTo(2_000.0);
    }

    @Test
    void steadyFlowIsMeasuredOverTheWholeWindow() {
        WindowedRate rate = new WindowedRate(SAMPLES, SAMPLE_MS);
        // 500 bytes every 100 ms = 5,000 bytes/s, for 30 s
        for (long t = 0; t < 30_000; t += 100) {
            rate.record(t, 500);
        }
        assertThat(rate.rate(29_999)).isCloseTo(5_000.0, within(5_000 * 0.1));
    }

    @Test
    void samplesOlderThanTheWindowDropOut() {
        WindowedRate rate = new WindowedRate(SAMPLES, SAMPLE_MS);
        rate.record(0, 1_000_000);
        rate.record(20_000, 1_000);
        // the million bytes at t=0 left the window long ago
        assertThat(rate.rate(20_000)).isEqualTo(1_000.0);
        assertThat(rate.rate(40_000)).isZero();
    }

    @Test
    void waitUntilWithinBound() {
        WindowedRate rate = new WindowedRate(SAMPLES, SAMPLE_MS);
        rate.record(0, 10_000);
        // 10,000 bytes at 2,000 bytes/s need 5 s from the start of the sample
        assertThat(rate.msUntilAtMost(0, 2_000)).isEqualTo(5_000);
        assertThat(rate.msUntilAtMost(3_000, 2_000)).isEqualTo(2_000);
        assertThat(rate.msUntilAtMost(5_000, 2_000)).isZero();
        assertThat(rate.rate(5_000)).isEqualTo(2_000.0);
    }

    @Test
    void rejectsDegenerateWindows() {
        assertThatThrownBy(() -> new WindowedRate(1, SAMPLE_MS)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WindowedRate(SAMPLES, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
