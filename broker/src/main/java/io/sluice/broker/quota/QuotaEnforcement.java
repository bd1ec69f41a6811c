package io.sluice.broker.quota;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.record.BaseRecords;

/**
 * Puts Produce and Fetch behind the byte-rate quotas, as Kafka does: a produce request's record bytes are recorded
 * against {@code producer_byte_rate} once it is answered, a consumer fetch response's record bytes against
 * {@code consumer_byte_rate}; over the quota, the response carries {@code throttle_time_ms} and is sent at once, and
 * the connection then reads no further request for that long ({@link ApiResponse#throttled}, KIP-219). Follower
 * fetches are never throttled here (replication throttles are separate). A produce with {@code acks=0} is measured
 * but, having no response, not delayed.
 *
 * <p>Unlike Kafka, a throttled fetch still returns its records (Kafka returns an empty response and un-records its
 * bytes); the mute that follows holds the consumer to its quota all the same.
 *
 * <p>Thread-safety: stateless decorators over the thread-safe {@link ClientQuotaManager}.
 */
public final class QuotaEnforcement {
    private QuotaEnforcement() {}

    /** {@code handlers} with Produce and Fetch measured against {@code quotas}. */
    public static List<ApiHandler<?>> wrap(List<ApiHandler<?>> handlers, ClientQuotaManager quotas, Clock clock) {
        if (quotas == ClientQuotaManager.NONE) {
            return handlers;
        }
        List<ApiHandler<?>> out = new ArrayList<>(handlers.size());
        for (ApiHandler<?> handler : handlers) {
            out.add(wrapOne(handler, quotas, clock));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static ApiHandler<?> wrapOne(ApiHandler<?> handler, ClientQuotaManager quotas, Clock clock) {
        if (handler.apiKey() == ApiKeys.PRODUCE) {
            return new Produce((ApiHandler<ProduceRequestData>) handler, quotas, clock);
        }
        if (handler.apiKey() == ApiKeys.FETCH) {
            return new Fetch((ApiHandler<FetchRequestData>) handler, quotas, clock);
        }
        return handler;
    }

    /** The bytes of the record batches of a produce request. */
    static long produceBytes(ProduceRequestData request) {
        long bytes = 0;
        for (ProduceRequestData.TopicProduceData topic : request.topicData()) {
            for (ProduceRequestData.PartitionProduceData partition : topic.partitionData()) {
                BaseRecords records = partition.records();
                if (records != null) {
                    bytes += records.sizeInBytes();
                }
            }
        }
        return bytes;
    }

    /** The bytes of the records of a fetch response. */
    static long fetchBytes(FetchResponseData response) {
        long bytes = 0;
        for (FetchResponseData.FetchableTopicResponse topic : response.responses()) {
            for (FetchResponseData.PartitionData partition : topic.partitions()) {
                BaseRecords records = partition.records();
                if (records != null) {
                    bytes += records.sizeInBytes();
                }
            }
        }
        return bytes;
    }

    /** Common delegation of the wrapped handlers. */
    private abstract static class Wrapper<Req extends ApiMessage> implements ApiHandler<Req> {
        final ApiHandler<Req> inner;
        final ClientQuotaManager quotas;
        final Clock clock;

        Wrapper(ApiHandler<Req> inner, ClientQuotaManager quotas, Clock clock) {
            this.inner = Objects.requireNonNull(inner, "inner");
            this.quotas = quotas;
            this.clock = clock;
        }

        @Override
        public ApiKeys apiKey() {
            return inner.apiKey();
        }

        @Override
        public short minVersion() {
            return inner.minVersion();
        }

        @Override
        public short maxVersion() {
            return inner.maxVersion();
        }

        @Override
        public boolean mayBlock() {
            return inner.mayBlock();
        }

        long throttleMs(RequestContext context, QuotaType type, long bytes) {
            return quotas.recordAndGetThrottleMs(context.principal(), context.clientId(), type, bytes, clock.millis());
        }
    }

    static final class Produce extends Wrapper<ProduceRequestData> {
        Produce(ApiHandler<ProduceRequestData> inner, ClientQuotaManager quotas, Clock clock) {
            super(inner, quotas, clock);
        }

        @Override
        public CompletionStage<ApiResponse> handle(RequestContext context, ProduceRequestData request) {
            long bytes = produceBytes(request);
            return inner.handle(context, request).thenApply(response -> {
                long throttleMs = throttleMs(context, QuotaType.PRODUCE, bytes);
                if (throttleMs > 0
                        && response instanceof ApiResponse.Send send
                        && send.message() instanceof ProduceResponseData data) {
                    data.setThrottleTimeMs((int) Math.min(Integer.MAX_VALUE, throttleMs));
                    return ApiResponse.throttled(data, throttleMs);
                }
                return response;
            });
        }
    }

    static final class Fetch extends Wrapper<FetchRequestData> {
        Fetch(ApiHandler<FetchRequestData> inner, ClientQuotaManager quotas, Clock clock) {
            super(inner, quotas, clock);
        }

        @Override
        public CompletionStage<ApiResponse> handle(RequestContext context, FetchRequestData request) {
            boolean follower = request.replicaId() >= 0
                    || (request.replicaState() != null && request.replicaState().replicaId() >= 0);
            CompletionStage<ApiResponse> answer = inner.handle(context, request);
            if (follower) {
                return answer;
            }
            return answer.thenApply(response -> {
                if (response instanceof ApiResponse.Send send && send.message() instanceof FetchResponseData data) {
                    long throttleMs = throttleMs(context, QuotaType.FETCH, fetchBytes(data));
                    if (throttleMs > 0) {
                        data.setThrottleTimeMs((int) Math.min(Integer.MAX_VALUE, throttleMs));
                        return ApiResponse.throttled(data, throttleMs);
                    }
                }
                return response;
            });
        }
    }
}
