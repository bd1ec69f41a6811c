package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.controller.Controller;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Answers ListPartitionReassignments v0 ({@code AdminClient.listPartitionReassignments},
 * {@code kafka-reassign-partitions --verify/--list}), served by the controller from its context: every partition being
 * moved (or those among the named ones) with its replicas, adding and removing replicas. Partitions that are not moving
 * or do not exist are left out, as Kafka does. {@code NOT_CONTROLLER} (top level) on a broker that is not the active
 * controller.
 *
 * <p>Concurrency: immutable; the controller's answer is composed, never waited for.
 */
public final class ListPartitionReassignmentsHandler implements ApiHandler<ListPartitionReassignmentsRequestData> {
    private final Controller controller;

    public ListPartitionReassignmentsHandler(Controller controller) {
        this.controller = Objects.requireNonNull(controller, "controller");
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.LIST_PARTITION_REASSIGNMENTS;
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
    public CompletionStage<ApiResponse> handle(RequestContext context, ListPartitionReassignmentsRequestData request) {
        return ControllerAnswers.ask(
                controller,
                "ListPartitionReassignments",
                request.timeoutMs(),
                () -> controller.listPartitionReassignments(request),
                ListPartitionReassignmentsHandler::failed);
    }

    static ListPartitionReassignmentsResponseData failed(Errors error, String message) {
        return new ListPartitionReassignmentsResponseData()
                .setErrorCode(error.code())
                .setErrorMessage(message);
    }
}
