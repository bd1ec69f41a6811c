package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.metrics.TopicMetrics;
import io.sluice.replication.log.BatchFraming;
import io.sluice.replication.partition.AppendResult;
import io.sluice.replication.purgatory.Cancellable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers Produce v0-v11 (v11 is the newest kafka-clients 3.9 knows) by handing each partition's {@link
 * MemoryRecords} — for v3 and later a view on the request frame, never decoded record by record nor copied — to the
 * replica manager (docs/design.md#acks-min-isr, docs/design.md#idempotent-producer). Requests before v3 carry messages of magic 0 and 1, which are converted into
 * one batch of magic 2 first ({@link LegacyRecordsUpConverter}), as Kafka 3.9 stores them; v0-v2 are advertised as
 * Kafka does, also because librdkafka-based clients only compress (gzip, snappy, lz4) for brokers that advertise
 * Produce v0.
 *
 * <p>Answers per partition, before anything is appended:
 *
 * <ul>
 *   <li>{@code acks} not in {-1, 0, 1} → {@code INVALID_REQUIRED_ACKS} everywhere, nothing appended;
 *   <li>a transactional batch without a transactional id in the request → {@code INVALID_REQUEST} everywhere
 *       (Kafka's rule); transactional batches are otherwise appended like idempotent ones, and the partition's
 *       producer state opens the producer's transaction there (the coordinator's markers close it). The partition is
 *       not verified as added to the transaction (KIP-890 part 1 is not implemented);
 *   <li>a partition the metadata does not know → {@code UNKNOWN_TOPIC_OR_PARTITION}; an internal topic →
 *       {@code INVALID_TOPIC_EXCEPTION} (clients may not write there);
 *   <li>the header checks of {@link ProduceRecordsValidator} ({@code INVALID_RECORD}, {@code CORRUPT_MESSAGE},
 *       {@code UNSUPPORTED_COMPRESSION_TYPE}).
 * </ul>
 *
 * The log then checks CRCs and sizes and walks every record (the log's {@code BatchValidator}), and the replica
 * manager reports its exceptions as error codes: {@code CORRUPT_MESSAGE}, {@code MESSAGE_TOO_LARGE} ({@code
 * message.max.bytes}, or records that decompress beyond its bound), {@code RECORD_LIST_TOO_LARGE} (larger than a
 * segment), {@code INVALID_RECORD} (malformed records), {@code INVALID_TIMESTAMP} (a producer batch claiming
 * LogAppendTime), {@code NOT_LEADER_OR_FOLLOWER}, {@code NOT_ENOUGH_REPLICAS*},
 * {@code REQUEST_TIMED_OUT}, {@code OUT_OF_ORDER_SEQUENCE_NUMBER}, {@code INVALID_PRODUCER_EPOCH}; a duplicate
 * idempotent batch succeeds with its original base offset. A replica manager that throws instead of calling back is
 * answered with the retriable {@code NOT_LEADER_OR_FOLLOWER}, never {@code UNKNOWN_SERVER_ERROR}.
 *
 * <p>The optional leader hints of v10+ ({@code CurrentLeader}, {@code NodeEndpoints}) are left empty: the producer
 * then refreshes its metadata on {@code NOT_LEADER_OR_FOLLOWER}, as with older versions.
 *
 * <p>{@code acks=0}: the request gets no response at all, once the append callback ran (Kafka would also close the
 * connection on an error; Sluice logs it and keeps the connection, the producer learns of leader moves through its
 * periodic metadata refresh).
 *
 * <p>Concurrency: stateless apart from its immutable collaborators; {@link #handle} runs concurrently on request
 * threads and may block on the disk ({@link #mayBlock()} is true). The returned stage completes on the calling thread
 * or on the thread that completes a delayed acks=all produce.
 */
public final class ProduceHandler implements ApiHandler<ProduceRequestData> {
    private static final Logger log = LoggerFactory.getLogger(ProduceHandler.class);
    static final short MIN_VERSION = 0;
    /** Produce v3 brought record batches of magic 2; older versions carry messages of magic 0 and 1. */
    static final short FIRST_MAGIC_V2_VERSION = 3;

    static final short MAX_VERSION = 11;

    /**
     * Port onto {@code ReplicaManager#appendRecords}; the callback runs exactly once, also for acks=0 (at once when the
     * returned handle cancels a wait for replication).
     */
    @FunctionalInterface
    public interface Appender {
        Cancellable appendRecords(
                long timeoutMs,
                short requiredAcks,
                Map<TopicPartition, MemoryRecords> entries,
                Consumer<Map<TopicPartition, AppendResult>> callback);
    }

    private final TopicMetrics topicMetrics;
    private final Appender appender;
    private final Predicate<TopicPartition> knownPartition;
    private final Predicate<String> internalTopic;
    private final String logPrefix;

    /**
     * @param brokerId this broker's id, for log context
     * @param appender the replica manager's append ({@code replicaManager::appendRecords})
     * @param knownPartition whether the cluster metadata knows the partition
     * @param internalTopic whether a topic is internal (clients may not produce to it)
     */
    public ProduceHandler(
            int brokerId,
            Appender appender,
            Predicate<TopicPartition> knownPartition,
            Predicate<String> internalTopic) {
        this(brokerId, appender, knownPartition, internalTopic, TopicMetrics.NOOP);
    }

    /** @param topicMetrics counts bytes and records appended per topic */
    public ProduceHandler(
            int brokerId,
            Appender appender,
            Predicate<TopicPartition> knownPartition,
            Predicate<String> internalTopic,
            TopicMetrics topicMetrics) {
        this.topicMetrics = Objects.requireNonNull(topicMetrics, "topicMetrics");
        this.appender = Objects.requireNonNull(appender, "appender");
        this.knownPartition = Objects.requireNonNull(knownPartition, "knownPartition");
        this.internalTopic = Objects.requireNonNull(internalTopic, "internalTopic");
        this.logPrefix = "[ProduceHandler broker=" + brokerId + "] ";
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.PRODUCE;
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
    public CompletionStage<ApiResponse> handle(RequestContext context, ProduceRequestData request) {
        short acks = request.acks();
        Map<TopicPartition, PartitionProduceResponse> early = new LinkedHashMap<>();
        Map<TopicPartition, MemoryRecords> toAppend = new LinkedHashMap<>();
        if (acks != -1 && acks != 0 && acks != 1) {
            forEachPartition(request, (tp, data) -> early.put(tp, error(tp, Errors.INVALID_REQUIRED_ACKS, null)));
            return done(context, request, acks, early);
        }
        boolean missingTransactionalId =
                request.transactionalId() == null && ProduceRecordsValidator.anyTransactional(request);
        forEachPartition(request, (tp, data) -> {
            if (missingTransactionalId) {
                early.put(tp, error(tp, Errors.INVALID_REQUEST, "a transactional batch needs a transactional id"));
            } else if (!knownPartition.test(tp)) {
                early.put(tp, error(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION, null));
            } else if (internalTopic.test(tp.topic())) {
                early.put(tp, error(tp, Errors.INVALID_TOPIC_EXCEPTION, "cannot produce to internal topic " + tp));
            } else {
                BaseRecords records = data.records();
                if (context.apiVersion() < FIRST_MAGIC_V2_VERSION) {
                    try {
                        records = upConverted(records);
                    } catch (ApiException e) {
                        log.debug(
                                "{}Refused old-format records for {} from client '{}': {}",
                                logPrefix,
                                tp,
                                context.clientId(),
                                e.getMessage());
                        early.put(tp, error(tp, Errors.forException(e), e.getMessage()));
                        return;
                    }
                }
                ProduceRecordsValidator.Verdict verdict =
                        ProduceRecordsValidator.validate(context.apiVersion(), records);
                if (verdict.error() == Errors.NONE) {
                    toAppend.put(tp, (MemoryRecords) records);
                } else {
                    early.put(tp, error(tp, verdict.error(), verdict.message()));
                }
            }
        });
        if (missingTransactionalId) {
            log.info(
                    "{}Refusing transactional batches without a transactional id from client '{}' ({})",
                    logPrefix,
                    context.clientId(),
                    context.remoteAddress());
        }
        if (toAppend.isEmpty()) {
            return done(context, request, acks, early);
        }
        CompletableFuture<ApiResponse> answer = new CompletableFuture<>();
        try {
            Cancellable wait = appender.appendRecords(request.timeoutMs(), acks, toAppend, results -> {
                Map<TopicPartition, PartitionProduceResponse> all = new LinkedHashMap<>(early);
                toAppend.forEach((tp, records) -> {
                    AppendResult result = results.get(tp);
                    all.put(tp, fromAppend(tp, result));
                    if (result != null && result.error() == Errors.NONE && !result.duplicate()) {
                        topicMetrics.produced(
                                tp.topic(), records.sizeInBytes(), result.lastOffset() - result.baseOffset() + 1);
                    }
                });
                answer.complete(respond(context, request, acks, all));
            });
            context.cancellation().onCancel(wait::cancel);
        } catch (RuntimeException e) {
            log.error("{}Append of {} from client '{}' failed", logPrefix, toAppend.keySet(), context.clientId(), e);
            Map<TopicPartition, PartitionProduceResponse> all = new LinkedHashMap<>(early);
            toAppend.keySet()
                    .forEach(tp -> all.put(tp, error(tp, Errors.NOT_LEADER_OR_FOLLOWER, "append failed: " + e)));
            answer.complete(respond(context, request, acks, all));
        }
        return answer;
    }

    /**
     * The records of a Produce v0-v2 partition: messages of magic 0/1 converted to one batch of magic 2 ({@link
     * LegacyRecordsUpConverter}); anything else unchanged, for the usual checks.
     */
    private static BaseRecords upConverted(BaseRecords records) {
        if (!(records instanceof MemoryRecords memory)) {
            return records;
        }
        try {
            BatchFraming.check(memory.buffer());
        } catch (CorruptRecordException e) {
            return records; // reported by the validator
        }
        return LegacyRecordsUpConverter.isLegacy(memory) ? LegacyRecordsUpConverter.toMagicV2(memory) : records;
    }

    private CompletionStage<ApiResponse> done(
            RequestContext context,
            ProduceRequestData request,
            short acks,
            Map<TopicPartition, PartitionProduceResponse> byPartition) {
        return CompletableFuture.completedFuture(respond(context, request, acks, byPartition));
    }

    private ApiResponse respond(
            RequestContext context,
            ProduceRequestData request,
            short acks,
            Map<TopicPartition, PartitionProduceResponse> byPartition) {
        if (acks == 0) {
            byPartition.forEach((tp, p) -> {
                if (p.errorCode() != Errors.NONE.code()) {
                    log.debug(
                            "{}acks=0 produce to {} from client '{}' failed with {}",
                            logPrefix,
                            tp,
                            context.clientId(),
                            Errors.forCode(p.errorCode()));
                }
            });
            return ApiResponse.noResponse();
        }
        ProduceResponseData response = new ProduceResponseData().setThrottleTimeMs(0);
        for (TopicProduceData topic : request.topicData()) {
            TopicProduceResponse topicResponse = response.responses().find(topic.name());
            if (topicResponse == null) {
                topicResponse = new TopicProduceResponse().setName(topic.name());
                response.responses().add(topicResponse);
            }
            for (PartitionProduceData partition : topic.partitionData()) {
                TopicPartition tp = new TopicPartition(topic.name(), partition.index());
                topicResponse.partitionResponses().add(byPartition.get(tp));
            }
        }
        return ApiResponse.of(response);
    }

    private static PartitionProduceResponse fromAppend(TopicPartition tp, AppendResult result) {
        if (result == null) {
            return error(tp, Errors.NOT_LEADER_OR_FOLLOWER, "no append result");
        }
        String message = result.message() == null || result.message().isEmpty() ? null : result.message();
        return new PartitionProduceResponse()
                .setIndex(tp.partition())
                .setErrorCode(result.error().code())
                .setErrorMessage(result.error() == Errors.NONE ? null : message)
                .setBaseOffset(result.error() == Errors.NONE ? result.baseOffset() : -1L)
                .setLogAppendTimeMs(RecordBatch.NO_TIMESTAMP)
                .setLogStartOffset(result.logStartOffset());
    }

    private static PartitionProduceResponse error(TopicPartition tp, Errors error, String message) {
        return new PartitionProduceResponse()
                .setIndex(tp.partition())
                .setErrorCode(error.code())
                .setErrorMessage(message)
                .setBaseOffset(-1L)
                .setLogAppendTimeMs(RecordBatch.NO_TIMESTAMP)
                .setLogStartOffset(-1L);
    }

    private interface PartitionVisitor {
        void visit(TopicPartition tp, PartitionProduceData data);
    }

    private static void forEachPartition(ProduceRequestData request, PartitionVisitor visitor) {
        for (TopicProduceData topic : request.topicData()) {
            for (PartitionProduceData partition : topic.partitionData()) {
                visitor.visit(new TopicPartition(topic.name(), partition.index()), partition);
            }
        }
    }
}
