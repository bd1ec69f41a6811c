package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.txn.TransactionCoordinator;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Answers EndTxn v0-v4 (commit or abort a producer's transaction) with the transaction coordinator's decision: the
 * answer comes once PrepareCommit/PrepareAbort is written; the markers follow asynchronously.
 *
 * <p>Concurrency: stateless; never blocks.
 */
public final class EndTxnHandler implements ApiHandler<EndTxnRequestData> {
    private final TransactionCoordinator coordinator;

    public EndTxnHandler(TransactionCoordinator coordinator) {
        this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.END_TXN;
    }

    @Override
    public short minVersion() {
        return 0;
    }

    @Override
    public short maxVersion() {
        return 4;
    }

    @Override
    public boolean mayBlock() {
        return false;
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, EndTxnRequestData request) {
        return coordinator
                .endTxn(request.transactionalId(), request.producerId(), request.producerEpoch(), request.committed())
                .thenApply(error -> ApiResponse.of(
                        new EndTxnResponseData().setThrottleTimeMs(0).setErrorCode(error.code())));
    }
}
