package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.txn.TransactionCoordinator;
import io.sluice.broker.txn.TxnMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.message.ListTransactionsResponseData.TransactionState;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Answers ListTransactions v0-v1 ({@code kafka-transactions.sh list}, which asks every broker): the transactional ids
 * this broker coordinates, filtered by state names, producer ids and (v1, KIP-994) by how long the transaction has
 * been open.
 *
 * <p>Concurrency: stateless; never blocks.
 */
public final class ListTransactionsHandler implements ApiHandler<ListTransactionsRequestData> {
    private final TransactionCoordinator coordinator;

    public ListTransactionsHandler(TransactionCoordinator coordinator) {
        this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.LIST_TRANSACTIONS;
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
    public CompletionStage<ApiResponse> handle(RequestContext context, ListTransactionsRequestData request) {
        return coordinator
                .list(request.stateFilters(), request.producerIdFilters(), request.durationFilter())
                .thenApply(listing -> {
                    List<TransactionState> states =
                            new ArrayList<>(listing.transactions().size());
                    for (TxnMetadata md : listing.transactions()) {
                        states.add(new TransactionState()
                                .setTransactionalId(md.transactionalId())
                                .setProducerId(md.producerId())
                                .setTransactionState(md.state().displayName()));
                    }
                    return ApiResponse.of(new ListTransactionsResponseData()
                            .setThrottleTimeMs(0)
                            .setErrorCode(listing.error().code())
                            .setUnknownStateFilters(listing.unknownStateFilters())
                            .setTransactionStates(states));
                });
    }
}
