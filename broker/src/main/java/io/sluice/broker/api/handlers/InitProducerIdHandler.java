package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.producer.ProducerIdManager;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers InitProducerId v0-v5 for idempotent (non-transactional) producers (docs/design.md#producer-id-blocks): every request gets a new
 * cluster-unique producer id with epoch 0, as Kafka does when the transactional id is null (also when the client
 * sends its current id and epoch to bump them).
 *
 * <p><b>Transactions are not supported.</b> A request with a transactional id is answered with
 * {@code TRANSACTIONAL_ID_AUTHORIZATION_FAILED}: the stock Java producer treats it as fatal at once
 * ({@code TransactionalIdAuthorizationException} from {@code initTransactions()}) instead of retrying until
 * {@code max.block.ms}, which a retriable answer such as {@code COORDINATOR_NOT_AVAILABLE} would cause; librdkafka
 * fails the same way. The error message of the exception is Kafka's; operators find the reason in the broker log.
 *
 * <p>Other answers: an empty transactional id or a producer id without an epoch (or the reverse) is
 * {@code INVALID_REQUEST}; a failure to claim a producer id block from ZooKeeper is the retriable
 * {@code COORDINATOR_LOAD_IN_PROGRESS}, so the client tries again.
 *
 * <p>Concurrency: stateless; never blocks (block claims run on the I/O executor), so it runs inline on event loops.
 */
public final class InitProducerIdHandler implements ApiHandler<InitProducerIdRequestData> {
    private static final Logger log = LoggerFactory.getLogger(InitProducerIdHandler.class);
    private static final long NO_PRODUCER_ID = -1L;
    private static final short NO_PRODUCER_EPOCH = -1;

    private final ProducerIdManager producerIds;

    public InitProducerIdHandler(ProducerIdManager producerIds) {
        this.producerIds = Objects.requireNonNull(producerIds, "producerIds");
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.INIT_PRODUCER_ID;
    }

    @Override
    public short minVersion() {
        return 0;
    }

    @Override
    public short maxVersion() {
        return 5;
    }

    @Override
    public boolean mayBlock() {
        return false;
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, InitProducerIdRequestData request) {
        String transactionalId = request.transactionalId();
        if (transactionalId != null) {
            if (transactionalId.isEmpty()) {
                return error(Errors.INVALID_REQUEST);
            }
            log.warn(
                    "Refusing InitProducerId for transactional id '{}' from client '{}' ({}): transactions are not"
                            + " supported by Sluice; answering TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
                    transactionalId,
                    context.clientId(),
                    context.remoteAddress());
            return error(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
        }
        if ((request.producerId() == NO_PRODUCER_ID) != (request.producerEpoch() == NO_PRODUCER_EPOCH)) {
            return error(Errors.INVALID_REQUEST);
        }
        return producerIds.nextProducerId().handle((id, failure) -> {
            if (failure != null) {
                log.warn("InitProducerId from client '{}' failed: {}", context.clientId(), failure.toString());
                return response(Errors.COORDINATOR_LOAD_IN_PROGRESS);
            }
            return ApiResponse.of(new InitProducerIdResponseData()
                    .setThrottleTimeMs(0)
                    .setErrorCode(Errors.NONE.code())
                    .setProducerId(id)
                    .setProducerEpoch((short) 0));
        });
    }

    private static CompletionStage<ApiResponse> error(Errors error) {
        return CompletableFuture.completedFuture(response(error));
    }

    private static ApiResponse response(Errors error) {
        return ApiResponse.of(new InitProducerIdResponseData()
                .setThrottleTimeMs(0)
                .setErrorCode(error.code())
                .setProducerId(NO_PRODUCER_ID)
                .setProducerEpoch(NO_PRODUCER_EPOCH));
    }
}
