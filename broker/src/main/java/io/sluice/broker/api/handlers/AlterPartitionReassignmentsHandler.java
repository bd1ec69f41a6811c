package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.controller.Controller;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Answers AlterPartitionReassignments v0 ({@code AdminClient.alterPartitionReassignments},
 * {@code kafka-reassign-partitions --execute/--cancel}), which the AdminClient sends to the controller. The controller
 * validates each partition ({@code UNKNOWN_TOPIC_OR_PARTITION}, {@code INVALID_REPLICA_ASSIGNMENT} for an empty or
 * duplicated list or a broker that is not live, {@code NO_REASSIGNMENT_IN_PROGRESS} when cancelling nothing) and
 * starts the valid moves; the answer comes once they are started, not when they complete.
 *
 * <p>Request-level errors ({@code NOT_CONTROLLER} on a broker that is not the active controller,
 * {@code REQUEST_TIMED_OUT} when the controller does not answer within {@code timeoutMs}) are top-level, as Kafka
 * answers them; the AdminClient retries {@code NOT_CONTROLLER} against the new controller.
 *
 * <p>Concurrency: immutable; the controller's answer is composed, never waited for.
 */
public final class AlterPartitionReassignmentsHandler implements ApiHandler<AlterPartitionReassignmentsRequestData> {
    private final Controller controller;

    public AlterPartitionReassignmentsHandler(Controller controller) {
        this.controller = Objects.requireNonNull(controller, "controller");
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ALTER_PARTITION_REASSIGNMENTS;
    }

    @Override
    public short minVersion() {
        return 0;
    }

    @Override
    public short maxVersion() {
        return 0;
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, AlterPartitionReassignmentsRequestData request) {
        return ControllerAnswers.ask(
                controller,
                "AlterPartitionReassignments",
                request.timeoutMs(),
                () -> controller.alterPartitionReassignments(request),
                AlterPartitionReassignmentsHandler::failed);
    }

    static AlterPartitionReassignmentsResponseData failed(Errors error, String message) {
        return new AlterPartitionReassignmentsResponseData()
                .setErrorCode(error.code())
                .setErrorMessage(message);
    }
}
