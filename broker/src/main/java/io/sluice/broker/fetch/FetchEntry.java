package io.sluice.broker.fetch;

/**
 * What a fetch asks of one partition: from the request itself, or for a partition an incremental request left out,
 * what the session remembers of the last request that named it.
 */
public record FetchEntry(
        PartitionKey key,
        long fetchOffset,
        long logStartOffset,
        int maxBytes,
        int currentLeaderEpoch,
        int lastFetchedEpoch) {}
