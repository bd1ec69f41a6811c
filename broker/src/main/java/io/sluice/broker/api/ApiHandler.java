package io.sluice.broker.api;

import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * Handles one Kafka API key over a contiguous range of versions.
 *
 * <p>The network layer calls {@link #handle} only with versions in {@code [minVersion(), maxVersion()]}; a request
 * outside the range is answered with {@code UNSUPPORTED_VERSION} without reaching the handler. The request body is
 * the generated message class for {@link #apiKey()} (for example {@code ProduceRequestData}).
 *
 * <p>Concurrency: {@link #handle} is called concurrently from the request handler pool (or from network event
 * loops when {@link #mayBlock()} is {@code false}); implementations must be thread-safe. The returned stage may
 * complete on any thread. A handler must never block an event loop: a handler that may touch the disk, ZooKeeper or
 * a lock held across I/O keeps the default {@code mayBlock() == true}.
 *
 * @param <Req> the generated request message class of {@link #apiKey()}
 */
public interface ApiHandler<Req extends ApiMessage> {

    /** The API key this handler answers. */
    ApiKeys apiKey();

    /** Lowest version whose semantics this handler implements. */
    short minVersion();

    /** Highest version whose semantics this handler implements; advertised through ApiVersions. */
    short maxVersion();

    /**
     * Whether {@link #handle} may block. Blocking handlers run on the request handler pool ({@code num.io.threads},
     * bounded by {@code queued.max.requests}); non-blocking handlers run inline on the connection's event loop.
     */
    default boolean mayBlock() {
        return true;
    }

    /**
     * Answers one request. A thrown exception or an exceptionally completed stage becomes the API's error response
     * with {@code UNKNOWN_SERVER_ERROR}.
     */
    CompletionStage<ApiResponse> handle(RequestContext context, Req request);
}
