package io.sluice.replication.fetcher;

/**
 * How far one fetcher thread got: when it last completed a round, how many of its partitions it fetches and how many
 * failed, and the last error of a round that did not complete. A round is complete when the leader answered the
 * fetch (top-level error {@code NONE}) and the answer was applied, an empty long-poll answer included; a fetch that
 * failed or timed out, or an error in the loop, is not.
 *
 * <p>The clock of {@link #msSinceLastRound} only runs while the thread has partitions to fetch: it restarts when the
 * first fetchable partition arrives, and reads 0 while every partition has failed or none is assigned.
 *
 * <p>Concurrency: written by the owning fetcher thread (and by the manager thread adding or removing partitions,
 * under the thread's partition lock); read from any thread (gauges, health checks) through volatile fields.
 */
final class FetcherProgress {
    private volatile long lastRoundMs;
    private volatile int fetching;
    private volatile int failed;
    private volatile String lastError;

    FetcherProgress(long nowMs) {
        this.lastRoundMs = nowMs;
    }

    /** A round completed at {@code nowMs}. */
    void roundCompleted(long nowMs) {
        lastRoundMs = nowMs;
        lastError = null;
    }

    /** A round did not complete; {@code reason} is kept for the health report until a round completes. */
    void roundFailed(String reason) {
        lastError = reason;
    }

    /** The partition counts changed; the first fetchable partition after none restarts the round clock. */
    void partitionsChanged(int fetchingNow, int failedNow, long nowMs) {
        if (fetching == 0 && fetchingNow > 0) {
            lastRoundMs = nowMs;
        }
        fetching = fetchingNow;
        failed = failedNow;
    }

    /** Partitions to fetch (fetching or backing off, not failed). */
    int fetching() {
        return fetching;
    }

    int failed() {
        return failed;
    }

    /** Time since the last completed round, 0 while there is nothing to fetch. */
    long msSinceLastRound(long nowMs) {
        return fetching == 0 ? 0L : Math.max(0L, nowMs - lastRoundMs);
    }

    String lastError() {
        return lastError;
    }
}
