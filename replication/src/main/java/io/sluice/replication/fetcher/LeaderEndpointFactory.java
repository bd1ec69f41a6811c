package io.sluice.replication.fetcher;

/** Port: gives the endpoint for a leader broker id (the broker module resolves addresses from its metadata). */
@FunctionalInterface
public interface LeaderEndpointFactory {
    LeaderEndpoint endpointFor(int leaderBrokerId);
}
