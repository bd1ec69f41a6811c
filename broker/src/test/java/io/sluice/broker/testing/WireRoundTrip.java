package io.sluice.broker.testing;

import io.sluice.broker.api.ApiResponse;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.AbstractResponse;

/** Serializes a handler's response at a version and parses it back with kafka-clients, as a client would. */
public final class WireRoundTrip {
    private WireRoundTrip() {}

    /** Waits (bounded) for the handler's answer and returns the response as a client parses it. */
    @SuppressWarnings("unchecked")
    public static <T extends AbstractResponse> T parse(ApiKeys api, short version, CompletionStage<ApiResponse> answer)
            throws Exception {
        ApiResponse response = answer.toCompletableFuture().get(10, TimeUnit.SECONDS);
        ApiMessage message = ((ApiResponse.Send) response).message();
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ByteBuffer buffer = ByteBuffer.allocate(message.size(cache, version));
        message.write(new ByteBufferAccessor(buffer), cache, version);
        buffer.flip();
        return (T) AbstractResponse.parseResponse(api, buffer, version);
    }
}
