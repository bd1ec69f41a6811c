package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.txn.TransactionCoordinator;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Answers AddOffsetsToTxn v0-v3: adds the group's {@code __consumer_offsets} partition to the producer's transaction,
 * so the transaction's marker reaches the group coordinator, which then stores (commit) or drops (abort) the offsets
 * of TxnOffsetCommit.
 *
 * <p>Concurrency: stateless; never blocks.
 */
public final class AddOffsetsToTxnHandler implements ApiHandler<AddOffsetsToTxnRequestData> {
    private final TransactionCoordinator coordinator;

    public AddOffsetsToTxnHandler(TransactionCoordinator coordinator) {
        this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ADD_OFFSETS_TO_TXN;
    }

    @Override
    public short minVersion() {
        return 0;
    }

    @Override
    public short maxVersion() {
        return 3;
    }

    @Override
    public boolean mayBlock() {
        return false;
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, AddOffsetsToTxnRequestData request) {
        return coordinator
                .addOffsets(request.transactionalId(), request.producerId(), request.producerEpoch(), request.groupId())
                .thenApply(error -> ApiResponse.of(
                        new AddOffsetsToTxnResponseData().setThrottleTimeMs(0).setErrorCode(error.code())));
    }
}
