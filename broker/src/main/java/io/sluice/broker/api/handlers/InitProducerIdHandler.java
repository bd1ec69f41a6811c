package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.producer.ProducerIdManager;
import io.sluice.broker.txn.TransactionCoordinator;
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
 * Answers InitProducerId v0-v5. Idempotent (non-transactional) producers (docs/design.md#producer-id-blocks): every request gets a new
 * cluster-unique producer id with epoch 0, as Kafka does when the transactional id is null (also when the client
 * sends its current id and epoch to bump them). Transactional producers: the {@link TransactionCoordinator} answers
 * (producer id kept per transactional id, epoch bumped, the previous instance fenced and its open transaction
 * aborted).
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
    private final TransactionalInit coordinator;

    /** Port onto {@link TransactionCoordinator#initProducerId}. */
    @FunctionalInterface
    public interface TransactionalInit {
        CompletableFuture<TransactionCoordinator.InitResult> initProducerId(
                String transactionalId, int timeoutMs, long producerId, short producerEpoch);
    }

    public InitProducerIdHandler(ProducerIdManager producerIds, TransactionalInit coordinator) {
        this.producerIds = Objects.requireNonNull(producerIds, "producerIds");
        this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
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
            return coordinator
                    .initProducerId(
                            transactionalId,
                            request.transactionTimeoutMs(),
                            request.producerId(),
                            request.producerEpoch())
                    .thenApply(r -> {
                        if (r.error() != Errors.NONE) {
                            log.debug(
                                    "InitProducerId for transactional id '{}' from client '{}': {}",
                                    transactionalId,
                                    context.clientId(),
                                    r.error());
                        }
                        return ApiResponse.of(new InitProducerIdResponseData()
                                .setThrottleTimeMs(0)
                                .setErrorCode(r.error().code())
                                .setProducerId(r.producerId())
                                .setProducerEpoch(r.producerEpoch()));
                    });
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
