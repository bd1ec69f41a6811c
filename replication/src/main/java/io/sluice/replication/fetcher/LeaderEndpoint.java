package io.sluice.replication.fetcher;

/** Port: sends a follower Fetch to one leader broker. The broker module implements it on its Netty client. */
public interface LeaderEndpoint extends AutoCloseable {
    int leaderId();
    /**
     * Sends a follower fetch. The request names its topics and carries the follower's id both in {@code replicaId}
     * and in {@code replicaState} (with the follower's broker epoch); the endpoint picks the wire version (v15+ with
     * topic ids carries the broker epoch, v12 does not). The answer names its topics too.
     */
    java.util.concurrent.CompletionStage<org.apache.kafka.common.message.FetchResponseData> fetch(
            org.apache.kafka.common.message.FetchRequestData request);

    @Override
    void close();
}
