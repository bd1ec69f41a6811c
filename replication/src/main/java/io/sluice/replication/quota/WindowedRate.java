package io.sluice.replication.quota;

import java.util.Arrays;

/**
 * A byte rate measured over a sliding window of {@code samples} fixed samples of {@code sampleMs} each (Kafka's
 * {@code replication.quota.window.num} and {@code replication.quota.window.size.seconds}).
 *
 * <p>Samples are aligned to multiples of {@code sampleMs} and kept in a ring; a sample older than the window is reset
 * when its slot is reused and ignored until then. The rate is the bytes of the live samples divided by the time since
 * the start of the oldest live sample that holds bytes, but never by less than one sample: after an idle spell the
 * window restarts with the first bytes, so a quota over this rate allows at most one sample's worth of bytes as a
 * burst, and a steady flow is measured over the whole window.
 *
 * <p>Concurrency: thread-safe; every method is {@code synchronized} on the instance (a few array reads each).
 */
public final class WindowedRate {
    private final int samples;
    private final long sampleMs;
    /** Start of the sample in each slot, {@code Long.MIN_VALUE} if the slot never held one. */
    private final long[] starts;

    private final long[] bytes;

    /**
     * @param samples number of samples in the window, at least 2
     * @param sampleMs length of one sample, at least 1
     */
    public WindowedRate(int samples, long sampleMs) {
        if (samples < 2 || sampleMs < 1) {
            throw new IllegalArgumentException(
                    "a rate window needs at least 2 samples of at least 1 ms, got " + samples + " x " + sampleMs);
        }
        this.samples = samples;
        this.sampleMs = sampleMs;
        this.starts = new long[samples];
        this.bytes = new long[samples];
        Arrays.fill(starts, Long.MIN_VALUE);
    }

    /** Length of the whole window in ms. */
    public long windowMs() {
        return samples * sampleMs;
    }

    /** Adds {@code amount} bytes at time {@code nowMs}. */
    public synchronized void record(long nowMs, long amount) {
        long start = Math.floorDiv(nowMs, sampleMs) * sampleMs;
        int slot = (int) Math.floorMod(Math.floorDiv(nowMs, sampleMs), (long) samples);
        if (starts[slot] != start) {
            starts[slot] = start;
            bytes[slot] = 0;
        }
        bytes[slot] += amount;
    }

    /** Bytes per second at {@code nowMs}; 0 when no live sample holds bytes. */
    public synchronized double rate(long nowMs) {
        long total = 0;
        long oldest = Long.MAX_VALUE;
        long liveFrom = liveFrom(nowMs);
        for (int i = 0; i < samples; i++) {
            if (starts[i] >= liveFrom && starts[i] <= nowMs && bytes[i] > 0) {
                total += bytes[i];
                oldest = Math.min(oldest, starts[i]);
            }
        }
        if (total == 0) {
            return 0.0;
        }
        return total * 1000.0 / elapsedMs(nowMs, oldest);
    }

    /**
     * How long from {@code nowMs} until the rate, with no more bytes recorded, is at most {@code boundBytesPerSec}:
     * 0 if it is already. Ignores samples leaving the window meanwhile, so the answer is an upper bound when they hold
     * bytes; callers use it as a wake-up hint.
     */
    public synchronized long msUntilAtMost(long nowMs, long boundBytesPerSec) {
        long total = 0;
        long oldest = Long.MAX_VALUE;
        long liveFrom = liveFrom(nowMs);
        for (int i = 0; i < samples; i++) {
            if (starts[i] >= liveFrom && starts[i] <= nowMs && bytes[i] > 0) {
                total += bytes[i];
                oldest = Math.min(oldest, starts[i]);
            }
        }
        if (total == 0 || boundBytesPerSec <= 0) {
            return total == 0 ? 0 : Long.MAX_VALUE;
        }
        // the rate is total / max(one sample, time since the oldest sample's start): within the bound once the
        // larger of the two reaches the time the bytes need at that rate
        double neededMs = total * 1000.0 / boundBytesPerSec;
        if (neededMs <= sampleMs) {
            return 0;
        }
        double elapsed = nowMs - oldest;
        return neededMs <= elapsed ? 0 : (long) Math.ceil(neededMs - elapsed);
    }

    /** Start of the oldest sample still in the window at {@code nowMs}. */
    private long liveFrom(long nowMs) {
        return Math.floorDiv(nowMs, sampleMs) * sampleMs - (samples - 1) * sampleMs;
    }

    /** Measured time since {@code oldestStart}, at least one sample. */
    private long elapsedMs(long nowMs, long oldestStart) {
        return Math.max(sampleMs, nowMs - oldestStart);
    }
}
