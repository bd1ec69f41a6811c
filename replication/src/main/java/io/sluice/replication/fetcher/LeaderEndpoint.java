package io.sluice.replication.fetcher;

/** Port: sends a follower Fetch to one leader broker. The broker module implements it on its Netty client. */
public interface LeaderEndpoint extends AutoCloseable {
    int leaderId();
    /** Sends the request as Fetch v12 (replica id in the body, no topic ids, diverging epochs supported). */
    java.util.concurrent.CompletionStage<org.apache.kafka.common.message.FetchResponseData> fetch(
            org.apache.kafka.common.message.FetchRequestData request);

    @Override
    void close();
}
