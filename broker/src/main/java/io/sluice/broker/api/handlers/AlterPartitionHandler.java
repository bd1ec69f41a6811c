package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.controller.Controller;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Answers AlterPartition v0-v3, the inter-broker request a partition leader sends to the controller to change the
 * ISR (topics by name in v0-v1, by id from v2; the ISR with broker epochs in v3). The controller checks the broker
 * epoch, leader epoch and partition epoch, writes accepted changes under its epoch fence and answers with the new
 * partition epoch; its errors ({@code STALE_BROKER_EPOCH} at the top level, {@code FENCED_LEADER_EPOCH},
 * {@code INVALID_UPDATE_VERSION}, {@code NOT_LEADER_OR_FOLLOWER}, ... per partition) pass through. Not the active
 * controller: top-level {@code NOT_CONTROLLER}, and the leader retries at the controller it learns next.
 *
 * <p>As in Kafka, {@code INELIGIBLE_REPLICA} and {@code NEW_LEADER_ELECTED} are answered to v0-v1 senders, which
 * predate them, as {@code OPERATION_NOT_ATTEMPTED} (retriable for them).
 *
 * <p>The request carries no timeout: the sender's request timeout bounds the wait.
 *
 * <p>Concurrency: immutable; the controller's answer is composed, never waited for.
 */
public final class AlterPartitionHandler implements ApiHandler<AlterPartitionRequestData> {
    static final short MIN_VERSION = 0;
    static final short MAX_VERSION = 3;

    private static final short FIRST_VERSION_WITH_INELIGIBLE_REPLICA = 2;

    private final Controller controller;

    public AlterPartitionHandler(Controller controller) {
        this.controller = Objects.requireNonNull(controller, "controller");
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ALTER_PARTITION;
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
    public CompletionStage<ApiResponse> handle(RequestContext context, AlterPartitionRequestData request) {
        if (!controller.isActive()) {
            return CompletableFuture.completedFuture(
                    ApiResponse.of(new AlterPartitionResponseData().setErrorCode(Errors.NOT_CONTROLLER.code())));
        }
        short version = context.apiVersion();
        return controller.alterPartition(request).thenApply(response -> {
            if (version < FIRST_VERSION_WITH_INELIGIBLE_REPLICA) {
                response.topics()
                        .forEach(t -> t.partitions().forEach(p -> {
                            Errors error = Errors.forCode(p.errorCode());
                            if (error == Errors.INELIGIBLE_REPLICA || error == Errors.NEW_LEADER_ELECTED) {
                                p.setErrorCode(Errors.OPERATION_NOT_ATTEMPTED.code());
                            }
                        }));
            }
            return ApiResponse.of(response);
        });
    }
}
