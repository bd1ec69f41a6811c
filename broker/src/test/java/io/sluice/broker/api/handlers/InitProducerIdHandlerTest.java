package io.sluice.broker.api.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.producer.ProducerIdManager;
import io.sluice.broker.testing.ControlRequests;
import io.sluice.broker.testing.WireRoundTrip;
import io.sluice.broker.txn.TransactionCoordinator;
import io.sluice.metadata.model.ProducerIdBlock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class InitProducerIdHandlerTest {
    private final AtomicInteger claims = new AtomicInteger();
    private final InitProducerIdHandler handler = new InitProducerIdHandler(
            new ProducerIdManager(
                    1,
                    (broker, size) -> new ProducerIdBlock(broker, 1000L * (1 + claims.getAndIncrement()), size),
                    1000,
                    Runnable::run),
            (id, timeout, pid, epoch) -> CompletableFuture.completedFuture(
                    new TransactionCoordinator.InitResult(Errors.NONE, 77L, (short) (timeout / 1000))));

    private InitProducerIdResponse send(short version, InitProducerIdRequestData request) throws Exception {
        return WireRoundTrip.parse(
                ApiKeys.INIT_PRODUCER_ID,
                version,
                handler.handle(ControlRequests.context(ApiKeys.INIT_PRODUCER_ID, version), request));
    }

    private static InitProducerIdRequestData idempotent() {
        return new InitProducerIdRequestData()
                .setTransactionalId(null)
                .setTransactionTimeoutMs(60_000)
                .setProducerId(-1)
                .setProducerEpoch((short) -1);
    }

    @Test
    void anIdempotentProducerGetsAFreshIdWithEpochZero() throws Exception {
        InitProducerIdResponse first = send((short) 4, idempotent());
        InitProducerIdResponse second = send((short) 0, idempotent());

        assertThat(first.error()).isEqualTo(Errors.NONE);
        assertThat(first.data().producerId()).isEqualTo(1000L);
        assertThat(first.data().producerEpoch()).isZero();
        assertThat(second.data().producerId()).isEqualTo(1001L);
    }

    @Test
    void anEpochBumpRequestAlsoGetsANewId() throws Exception {
        InitProducerIdResponse response =
                send((short) 5, idempotent().setProducerId(1000L).setProducerEpoch((short) 3));

        assertThat(response.error()).isEqualTo(Errors.NONE);
        assertThat(response.data().producerId()).isEqualTo(1000L);
        assertThat(response.data().producerEpoch()).isZero();
    }

    @Test
    void transactionalProducersAreAnsweredByTheTransactionCoordinator() throws Exception {
        InitProducerIdResponse response =
                send((short) 4, idempotent().setTransactionalId("tx-1").setTransactionTimeoutMs(3000));

        assertThat(response.error()).isEqualTo(Errors.NONE);
        assertThat(response.data().producerId()).isEqualTo(77L);
        assertThat(response.data().producerEpoch()).isEqualTo((short) 3);
        assertThat(claims.get()).isZero();
    }

    @Test
    void malformedRequestsAreInvalid() throws Exception {
        assertThat(send((short) 4, idempotent().setTransactionalId("")).error()).isEqualTo(Errors.INVALID_REQUEST);
        assertThat(send((short) 4, idempotent().setProducerId(5L)).error()).isEqualTo(Errors.INVALID_REQUEST);
    }
}
