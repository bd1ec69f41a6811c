package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.controller.Controller;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.ControlledShutdownRequestData;
import org.apache.kafka.common.message.ControlledShutdownResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers ControlledShutdown v1-v3, the inter-broker request a stopping broker sends to the controller so that its
 * leaderships move away first. v1 carries the broker id only (the controller then skips the broker epoch check); v2+
 * also the broker epoch, and a stale one is {@code STALE_BROKER_EPOCH}. The controller's answer lists the partitions
 * the broker still leads (the broker retries until the list is empty). Not the active controller:
 * {@code NOT_CONTROLLER}. v0, whose request header has no client id, is not offered.
 *
 * <p>Concurrency: immutable; the controller's answer is composed, never waited for.
 */
public final class ControlledShutdownHandler implements ApiHandler<ControlledShutdownRequestData> {
    private static final Logger log = LoggerFactory.getLogger(ControlledShutdownHandler.class);

    static final short MIN_VERSION = 1;
    static final short MAX_VERSION = 3;

    private final Controller controller;

    public ControlledShutdownHandler(Controller controller) {
        this.controller = Objects.requireNonNull(controller, "controller");
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.CONTROLLED_SHUTDOWN;
    }

    @Override
    public short minVersion() {
        return MIN_VERSION;
    }

    @Override
    public short maxVersion() {
        return MAX_VERSION;
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, ControlledShutdownRequestData request) {
        if (!controller.isActive()) {
            return CompletableFuture.completedFuture(
                    ApiResponse.of(new ControlledShutdownResponseData().setErrorCode(Errors.NOT_CONTROLLER.code())));
        }
        log.info(
                "[ControlledShutdown broker={}] broker {} (epoch {}) asks to shut down",
                controller.brokerId(),
                request.brokerId(),
                request.brokerEpoch());
        return controller
                .controlledShutdown(request.brokerId(), request.brokerEpoch())
                .thenApply(ApiResponse::of);
    }
}
