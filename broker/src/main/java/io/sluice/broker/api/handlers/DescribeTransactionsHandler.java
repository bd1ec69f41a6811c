package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.txn.TransactionCoordinator;
import io.sluice.broker.txn.TransactionCoordinator.Described;
import io.sluice.broker.txn.TxnMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData.TopicData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData.TopicDataCollection;
import org.apache.kafka.common.message.DescribeTransactionsResponseData.TransactionState;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Answers DescribeTransactions v0 ({@code kafka-transactions.sh describe}): per transactional id this broker
 * coordinates, its state, producer id and epoch, timeout, start time and partitions; NOT_COORDINATOR,
 * COORDINATOR_LOAD_IN_PROGRESS or TRANSACTIONAL_ID_NOT_FOUND otherwise.
 *
 * <p>Concurrency: stateless; never blocks.
 */
public final class DescribeTransactionsHandler implements ApiHandler<DescribeTransactionsRequestData> {
    private final TransactionCoordinator coordinator;

    public DescribeTransactionsHandler(TransactionCoordinator coordinator) {
        this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_TRANSACTIONS;
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
    public boolean mayBlock() {
        return false;
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, DescribeTransactionsRequestData request) {
        return coordinator.describe(request.transactionalIds()).thenApply(described -> {
            List<TransactionState> states = new ArrayList<>(described.size());
            for (Described d : described) {
                states.add(toState(d));
            }
            return ApiResponse.of(
                    new DescribeTransactionsResponseData().setThrottleTimeMs(0).setTransactionStates(states));
        });
    }

    static TransactionState toState(Described d) {
        TransactionState state = new TransactionState()
                .setTransactionalId(d.transactionalId())
                .setErrorCode(d.error().code());
        if (d.error() != Errors.NONE) {
            return state.setTransactionState("").setProducerId(-1L).setProducerEpoch((short) -1);
        }
        TxnMetadata md = d.metadata();
        Map<String, List<Integer>> byTopic = new TreeMap<>();
        for (TopicPartition tp : md.partitions()) {
            byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
        }
        TopicDataCollection topics = new TopicDataCollection();
        byTopic.forEach((topic, ps) -> {
            ps.sort(null);
            topics.add(new TopicData().setTopic(topic).setPartitions(ps));
        });
        return state.setTransactionState(md.state().displayName())
                .setTransactionTimeoutMs(md.timeoutMs())
                .setTransactionStartTimeMs(md.startTimestampMs())
                .setProducerId(md.producerId())
                .setProducerEpoch(md.producerEpoch())
                .setTopics(topics);
    }
}
