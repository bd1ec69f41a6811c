package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.metadata.MetadataCache;
import io.sluice.broker.metadata.MetadataSnapshot;
import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.Endpoint;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Answers DescribeCluster v0-v1 (what AdminClient's {@code describeCluster} uses) from the metadata cache: cluster id,
 * the real controller id ({@code -1} before the first UpdateMetadata), and the live brokers with an endpoint on the
 * request's listener. Sluice brokers are broker endpoints only: a v1 request for the controller endpoint type is
 * answered with {@code UNSUPPORTED_ENDPOINT_TYPE}, as a ZooKeeper-mode Kafka broker does.
 *
 * <p>Concurrency: stateless over the cache snapshot; runs inline on event loops.
 */
public final class DescribeClusterHandler implements ApiHandler<DescribeClusterRequestData> {
    /** Kafka's endpoint type codes. */
    static final byte BROKER_ENDPOINT_TYPE = 1;

    private final MetadataCache cache;

    public DescribeClusterHandler(MetadataCache cache) {
        this.cache = Objects.requireNonNull(cache, "cache");
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_CLUSTER;
    }

    @Override
    public short minVersion() {
        return 0;
    }

    @Override
    public short maxVersion() {
        return 1;
    }

    @Override
    public boolean mayBlock() {
        return false;
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, DescribeClusterRequestData request) {
        DescribeClusterResponseData response =
                new DescribeClusterResponseData().setThrottleTimeMs(0).setEndpointType(BROKER_ENDPOINT_TYPE);
        if (request.endpointType() != BROKER_ENDPOINT_TYPE) {
            return done(response.setErrorCode(Errors.UNSUPPORTED_ENDPOINT_TYPE.code())
                    .setErrorMessage("The request was sent to an endpoint of type BROKER, but we wanted an endpoint"
                            + " of type " + endpointTypeName(request.endpointType())));
        }
        MetadataSnapshot snapshot = cache.snapshot();
        response.setErrorCode(Errors.NONE.code())
                .setClusterId(snapshot.clusterId())
                .setControllerId(snapshot.controllerId().orElse(-1))
                .setClusterAuthorizedOperations(
                        request.includeClusterAuthorizedOperations()
                                ? AuthorizedOperations.CLUSTER
                                : AuthorizedOperations.NOT_REQUESTED);
        for (BrokerInfo broker : snapshot.aliveBrokers()) {
            Optional<Endpoint> endpoint = broker.endpoint(context.listenerName());
            endpoint.ifPresent(e -> response.brokers()
                    .add(new DescribeClusterBroker()
                            .setBrokerId(broker.id())
                            .setHost(e.host())
                            .setPort(e.port())
                            .setRack(broker.rack().orElse(null))));
        }
        return done(response);
    }

    private static String endpointTypeName(byte type) {
        return type == 2 ? "CONTROLLER" : "UNKNOWN(" + type + ")";
    }

    private static CompletionStage<ApiResponse> done(DescribeClusterResponseData response) {
        return CompletableFuture.completedFuture(ApiResponse.of(response));
    }
}
