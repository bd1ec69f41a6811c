package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiResponse;
import io.sluice.controller.Controller;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The answer to a request the active controller serves itself (partition reassignments): {@code NOT_CONTROLLER} on a
 * broker that is not the active controller, the controller's answer when it comes within the request's timeout,
 * else {@code REQUEST_TIMED_OUT}. The answer is composed, never waited for. Stateless.
 */
final class ControllerAnswers {
    private static final Logger log = LoggerFactory.getLogger(ControllerAnswers.class);

    private ControllerAnswers() {}

    /**
     * @param api the request's name, for the log
     * @param timeoutMs the request's timeout; 0 or less waits without bound
     * @param call asks the controller (called only on the active controller)
     * @param failed the response carrying a top-level error and message
     */
    static <T extends ApiMessage> CompletionStage<ApiResponse> ask(
            Controller controller,
            String api,
            int timeoutMs,
            Supplier<CompletionStage<T>> call,
            BiFunction<Errors, String, T> failed) {
        if (!controller.isActive()) {
            return CompletableFuture.completedFuture(ApiResponse.of(failed.apply(
                    Errors.NOT_CONTROLLER, "Broker " + controller.brokerId() + " is not the active controller")));
        }
        long waitMs = timeoutMs > 0 ? timeoutMs : CreateTopicsHandler.UNBOUNDED_WAIT_MS;
        return call.get()
                .toCompletableFuture()
                .thenApply(Optional::of)
                .completeOnTimeout(Optional.empty(), waitMs, TimeUnit.MILLISECONDS)
                .thenApply(answer -> {
                    if (answer.isEmpty()) {
                        log.warn(
                                "[{} broker={}] controller did not answer within {} ms",
                                api,
                                controller.brokerId(),
                                waitMs);
                        return ApiResponse.of(failed.apply(
                                Errors.REQUEST_TIMED_OUT,
                                "Timed out after " + waitMs + " ms waiting for the controller"));
                    }
                    return ApiResponse.of(answer.get());
                });
    }
}
