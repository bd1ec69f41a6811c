package io.sluice.replication.fetcher;

/**
 * Follower fetcher settings (Kafka broker property names in brackets).
 *
 * @param numFetchersPerBroker fetcher threads per source broker [{@code num.replica.fetchers}], at least 1
 * @param fetchMaxBytes per-partition byte limit of one fetch [{@code replica.fetch.max.bytes}]
 * @param fetchResponseMaxBytes whole-response byte limit [{@code replica.fetch.response.max.bytes}]
 * @param fetchWaitMaxMs how long the leader may hold the fetch waiting for data [{@code replica.fetch.wait.max.ms}]
 * @param fetchMinBytes bytes the leader waits for before answering [{@code replica.fetch.min.bytes}]
 * @param backoffMs pause after an error, per partition or per thread [{@code replica.fetch.backoff.ms}]
 */
public record FetcherConfig(
        int numFetchersPerBroker,
        int fetchMaxBytes,
        int fetchResponseMaxBytes,
        int fetchWaitMaxMs,
        int fetchMinBytes,
        long backoffMs) {

    /** Kafka's defaults: 1 fetcher, 1 MiB per partition, 10 MiB per response, 500 ms wait, 1 byte, 1 s backoff. */
    public static FetcherConfig defaults() {
        return new FetcherConfig(1, 1024 * 1024, 10 * 1024 * 1024, 500, 1, 1000L);
    }

    public FetcherConfig {
        if (numFetchersPerBroker < 1) {
            throw new IllegalArgumentException("numFetchersPerBroker must be >= 1: " + numFetchersPerBroker);
        }
        if (fetchMaxBytes < 1 || fetchResponseMaxBytes < 1) {
            throw new IllegalArgumentException(
                    "fetch byte limits must be positive: " + fetchMaxBytes + ", " + fetchResponseMaxBytes);
        }
        if (fetchWaitMaxMs < 0 || fetchMinBytes < 0 || backoffMs < 0) {
            throw new IllegalArgumentException("fetchWaitMaxMs, fetchMinBytes and backoffMs must be >= 0");
        }
    }
}
