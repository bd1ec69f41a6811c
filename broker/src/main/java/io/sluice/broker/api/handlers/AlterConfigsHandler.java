package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.api.handlers.IncrementalAlterConfigsHandler.Outcome;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.AlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Answers the legacy AlterConfigs v0-v2 (AdminClient's deprecated {@code alterConfigs}; {@code kafka-configs.sh
 * --entity-type brokers --alter} of Kafka 3.9 still uses it): each resource's dynamic overrides are <em>replaced</em>
 * by the request's entries, every override not named is removed, as Kafka does. The resources, checks, policy and
 * writes are IncrementalAlterConfigs' ({@link IncrementalAlterConfigsHandler#replaceAll}): topics and the
 * cluster-wide broker defaults; a per-broker id is {@code INVALID_REQUEST}, as is {@code BROKER_LOGGER} (Kafka's
 * legacy API refuses it too), a null value, a key named twice in a resource or a resource named twice.
 *
 * <p>Concurrency: stateless; blocking (ZooKeeper), so it runs on the request handler pool.
 */
public final class AlterConfigsHandler implements ApiHandler<AlterConfigsRequestData> {
    private final IncrementalAlterConfigsHandler incremental;

    /** @param incremental the IncrementalAlterConfigs handler whose checks and writes this one shares */
    public AlterConfigsHandler(IncrementalAlterConfigsHandler incremental) {
        this.incremental = Objects.requireNonNull(incremental, "incremental");
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ALTER_CONFIGS;
    }

    @Override
    public short minVersion() {
        return 0;
    }

    @Override
    public short maxVersion() {
        return 2;
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, AlterConfigsRequestData request) {
        Map<String, Integer> seen = new HashMap<>();
        for (AlterConfigsResource resource : request.resources()) {
            seen.merge(resource.resourceType() + "/" + resource.resourceName(), 1, Integer::sum);
        }
        AlterConfigsResponseData response = new AlterConfigsResponseData().setThrottleTimeMs(0);
        for (AlterConfigsResource resource : request.resources()) {
            Outcome outcome = outcome(context, resource, seen, request.validateOnly());
            response.responses()
                    .add(new AlterConfigsResourceResponse()
                            .setResourceType(resource.resourceType())
                            .setResourceName(resource.resourceName())
                            .setErrorCode(outcome.error().code())
                            .setErrorMessage(outcome.message()));
        }
        return CompletableFuture.completedFuture(ApiResponse.of(response));
    }

    private Outcome outcome(
            RequestContext context, AlterConfigsResource resource, Map<String, Integer> seen, boolean validateOnly) {
        if (seen.get(resource.resourceType() + "/" + resource.resourceName()) > 1) {
            return new Outcome(Errors.INVALID_REQUEST, "Duplicate resource in the request");
        }
        Map<String, String> entries = new LinkedHashMap<>();
        for (AlterableConfig config : resource.configs()) {
            if (entries.containsKey(config.name())) {
                return new Outcome(Errors.INVALID_REQUEST, "Error due to duplicate config keys: " + config.name());
            }
            entries.put(config.name(), config.value());
        }
        return incremental.replaceAll(context, resource.resourceType(), resource.resourceName(), entries, validateOnly);
    }
}
