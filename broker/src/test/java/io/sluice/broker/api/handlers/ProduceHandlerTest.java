package io.sluice.broker.api.handlers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestCancellation;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.network.ResponseWriter;
import io.sluice.broker.testing.ControlRequests;
import io.sluice.broker.testing.LocalReplicaManager;
import io.sluice.replication.log.LogConfig;
import io.sluice.replication.log.LogManager;
import io.sluice.replication.log.MalformedBatches;
import io.sluice.replication.partition.AppendResult;
import io.sluice.replication.partition.FetchIsolation;
import io.sluice.replication.partition.ReplicaManager;
import io.sluice.replication.partition.TopicSettings;
import io.sluice.replication.purgatory.Cancellable;
import io.sluice.replication.purgatory.PurgatoryMetrics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.LeaderAndIsrRequestData.LeaderAndIsrPartitionState;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.ResponseHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ProduceHandlerTest extends LocalLeaderTest {
    static final int BROKER = 1;
    static final TopicPartition TP = new TopicPartition("events", 0);
    static final Uuid TOPIC_ID = Uuid.fromString("vAJAJ1hDQ0GHpwKR3HVbJg");

    private LocalLeader leader(LogConfig config) {
        leader = new LocalLeader(dir, config, List.of(BROKER));
        return leader;
    }

    @Test
    void acksOneAppendsAndAnswersTheBaseOffsetAtEveryVersion() throws Exception {
        LocalLeader l = leader(LocalLeader.CONFIG);
        for (short v = ProduceHandler.MIN_VERSION; v <= ProduceHandler.MAX_VERSION; v++) {
            ProduceResponse response = l.produce(v, (short) 1, TP, batch(100L, "a", "b"));
            PartitionProduceResponse p = partition(response);
            long expectedBase = 2L * (v - ProduceHandler.MIN_VERSION);
            assertThat(p.errorCode()).as("v%d", v).isEqualTo(Errors.NONE.code());
            assertThat(p.baseOffset()).as("v%d", v).isEqualTo(expectedBase);
            assertThat(p.logAppendTimeMs()).isEqualTo(-1L);
            if (v >= 5) {
                assertThat(p.logStartOffset()).isZero();
            }
            assertThat(p.recordErrors()).isEmpty();
            assertThat(response.data().throttleTimeMs()).isZero();
        }
        assertThat(l.logEndOffset()).isEqualTo(2L * (ProduceHandler.MAX_VERSION - ProduceHandler.MIN_VERSION + 1));
    }

    @Test
    void anAcksAllProduceWhoseConnectionClosedIsAnsweredAtOnceAndLeavesThePurgatory() throws Exception {
        // follower 2 is in the ISR and never fetches: acks=all waits for it
        leader = new LocalLeader(dir, LocalLeader.CONFIG, List.of(BROKER, 2));
        short v = 9;
        RequestCancellation cancellation = RequestCancellation.create();
        RequestContext context = ControlRequests.context(ApiKeys.PRODUCE, v, cancellation);
        CompletableFuture<ApiResponse> answer = leader.produceHandler
                .handle(context, LocalLeader.produceRequest((short) -1, TP, batch(1L, "a")))
                .toCompletableFuture();
        assertThat(answer).isNotDone();
        assertThat(producePurgatorySize(leader)).isEqualTo(1.0);

        cancellation.cancel();

        assertThat(producePurgatorySize(leader)).isZero();
        assertThat(partition(LocalLeader.roundTrip(ApiKeys.PRODUCE, v, answer)).errorCode())
                .isEqualTo(Errors.REQUEST_TIMED_OUT.code());
        assertThat(leader.logEndOffset()).as("the records stay appended").isEqualTo(1L);
    }

    private static double producePurgatorySize(LocalLeader l) {
        return l.local
                .registry
                .get(PurgatoryMetrics.SIZE)
                .tag(PurgatoryMetrics.TAG, "Produce")
                .gauge()
                .value();
    }

    @Test
    void acksZeroAppendsButNeverAnswers() throws Exception {
        LocalLeader l = leader(LocalLeader.CONFIG);
        ApiResponse response = l.produceRaw((short) 9, (short) 0, TP, batch(100L, "x"))
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);

        assertThat(response).isEqualTo(ApiResponse.noResponse());
        assertThat(l.logEndOffset()).isEqualTo(1L);
    }

    @Test
    void acksZeroToAnUnknownPartitionStillGetsNoResponse() throws Exception {
        LocalLeader l = leader(LocalLeader.CONFIG);
        ApiResponse response = l.produceRaw((short) 9, (short) 0, new TopicPartition("nope", 0), batch(100L, "x"))
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);

        assertThat(response).isEqualTo(ApiResponse.noResponse());
    }

    @Test
    void invalidAcksAreRefusedForEveryPartitionAndNothingIsWritten() throws Exception {
        LocalLeader l = leader(LocalLeader.CONFIG);
        ProduceResponse response = l.produce((short) 11, (short) 2, TP, batch(100L, "x"));

        assertThat(partition(response).errorCode()).isEqualTo(Errors.INVALID_REQUIRED_ACKS.code());
        assertThat(l.logEndOffset()).isZero();
    }

    @Test
    void aCorruptBatchIsRefusedAndNothingIsWritten() throws Exception {
        LocalLeader l = leader(LocalLeader.CONFIG);
        MemoryRecords records = batch(100L, "payload");
        ByteBuffer bytes = records.buffer();
        int last = bytes.limit() - 1;
        bytes.put(last, (byte) (bytes.get(last) ^ 0x5a));

        PartitionProduceResponse p = partition(l.produce((short) 11, (short) 1, TP, records));

        assertThat(p.errorCode()).isEqualTo(Errors.CORRUPT_MESSAGE.code());
        assertThat(p.errorMessage()).isNotBlank();
        assertThat(l.logEndOffset()).isZero();
    }

    @Test
    void aBatchLengthNear2To31IsCorruptNotAnInternalError() throws Exception {
        LocalLeader l = leader(LocalLeader.CONFIG);
        for (int length : new int[] {0x7fffffff, 0x7ffffff5, Integer.MIN_VALUE}) {
            ByteBuffer bytes = batch(100L, "payload").buffer();
            bytes.putInt(8, length);

            PartitionProduceResponse p =
                    partition(l.produce((short) 11, (short) 1, TP, MemoryRecords.readableRecords(bytes)));

            assertThat(p.errorCode()).as("batch length %d", length).isEqualTo(Errors.CORRUPT_MESSAGE.code());
        }
        assertThat(l.logEndOffset()).isZero();
    }

    @Test
    void aBatchWhoseRecordsAreMalformedIsInvalidRecord() throws Exception {
        LocalLeader l = leader(LocalLeader.CONFIG);
        MemoryRecords lying = MalformedBatches.of(MalformedBatches.Shape.COUNT_1000, CompressionType.LZ4);

        PartitionProduceResponse p = partition(l.produce((short) 11, (short) 1, TP, lying));

        assertThat(p.errorCode()).isEqualTo(Errors.INVALID_RECORD.code());
        assertThat(p.errorMessage()).contains("declares 1000 records");
        assertThat(l.logEndOffset()).isZero();
    }

    @Test
    void aBatchOverMessageMaxBytesIsMessageTooLarge() throws Exception {
        LocalLeader l = leader(LocalLeader.CONFIG.withMaxMessageBytes(1024));
        String big = "v".repeat(4096);

        PartitionProduceResponse p = partition(l.produce((short) 11, (short) -1, TP, batch(100L, big)));

        assertThat(p.errorCode()).isEqualTo(Errors.MESSAGE_TOO_LARGE.code());
        assertThat(l.logEndOffset()).isZero();
    }

    @Test
    void aRetriedIdempotentBatchGetsItsOriginalBaseOffset() throws Exception {
        LocalLeader l = leader(LocalLeader.CONFIG);
        l.produce((short) 11, (short) -1, TP, batch(100L, "first"));

        PartitionProduceResponse original =
                partition(l.produce((short) 11, (short) -1, TP, idempotent(4000L, 0, "a", "b")));
        PartitionProduceResponse retry =
                partition(l.produce((short) 11, (short) -1, TP, idempotent(4000L, 0, "a", "b")));
        PartitionProduceResponse gap = partition(l.produce((short) 11, (short) -1, TP, idempotent(4000L, 5, "c")));

        assertThat(original.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(original.baseOffset()).isEqualTo(1L);
        assertThat(retry.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(retry.baseOffset()).isEqualTo(1L);
        assertThat(gap.errorCode()).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER.code());
        assertThat(l.logEndOffset()).isEqualTo(3L);
    }

    @Test
    void unknownPartitionsAndInternalTopicsAreRefusedBeforeTheLog() throws Exception {
        LocalLeader l = leader(LocalLeader.CONFIG);

        ProduceResponse unknown = l.produce((short) 11, (short) 1, new TopicPartition("missing", 0), batch(1L, "x"));
        ProduceResponse internal =
                l.produce((short) 11, (short) 1, new TopicPartition("__consumer_offsets", 0), batch(1L, "x"));

        assertThat(partition(unknown).errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(partition(internal).errorCode()).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION.code());
    }

    @Test
    void aKnownPartitionThisBrokerDoesNotLeadIsNotLeaderOrFollower() throws Exception {
        LocalLeader l = leader(LocalLeader.CONFIG);
        PartitionProduceResponse p = partition(l.produce((short) 11, (short) 1, LocalLeader.ELSEWHERE, batch(1L, "x")));

        assertThat(p.errorCode()).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER.code());
    }

    @Test
    void transactionalBatchesNeedATransactionalIdAndAreAppendedWithIt() throws Exception {
        LocalLeader l = leader(LocalLeader.CONFIG);
        MemoryRecords txn = MemoryRecords.withTransactionalRecords(
                Compression.NONE, 9L, (short) 0, 0, new SimpleRecord(1L, null, "x".getBytes(StandardCharsets.UTF_8)));
        ProduceRequestData without = LocalLeader.produceRequest((short) 1, TP, txn);

        assertThat(partition(l.send((short) 11, without)).errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(l.logEndOffset()).isZero();

        ProduceRequestData with = LocalLeader.produceRequest((short) 1, TP, txn);
        with.setTransactionalId("tx-1");
        assertThat(partition(l.send((short) 11, with)).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(l.logEndOffset()).isEqualTo(1);
    }

    @Test
    void twoBatchesForOnePartitionOrNoRecordsAreInvalid() throws Exception {
        LocalLeader l = leader(LocalLeader.CONFIG);
        ByteBuffer two = ByteBuffer.allocate(2 * batch(1L, "x").sizeInBytes());
        two.put(batch(1L, "x").buffer()).put(batch(2L, "y").buffer()).flip();

        PartitionProduceResponse twoBatches =
                partition(l.produce((short) 11, (short) 1, TP, MemoryRecords.readableRecords(two)));
        PartitionProduceResponse none = partition(l.produce((short) 11, (short) 1, TP, MemoryRecords.EMPTY));

        assertThat(twoBatches.errorCode()).isEqualTo(Errors.INVALID_RECORD.code());
        assertThat(none.errorCode()).isEqualTo(Errors.INVALID_RECORD.code());
        assertThat(l.logEndOffset()).isZero();
    }

    @Test
    void acksAllWaitsUntilTheFollowerHasFetchedTheRecords() throws Exception {
        LocalLeader l = new LocalLeader(dir, LocalLeader.CONFIG, List.of(BROKER, 2));
        leader = l;
        CompletableFuture<ApiResponse> answer =
                l.produceRaw((short) 11, (short) -1, TP, batch(100L, "x", "y")).toCompletableFuture();
        assertThat(answer).isNotDone();

        FetchRequestData followerFetch = FetchHandlerTest.request((short) 12, 2, 2L, LocalLeader.LEADER_EPOCH, -1);
        l.fetchHandler
                .handle(ControlRequests.context(ApiKeys.FETCH, (short) 12), followerFetch)
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(10)).until(answer::isDone);
        PartitionProduceResponse p = partition(LocalLeader.roundTrip(ApiKeys.PRODUCE, (short) 11, answer));
        assertThat(p.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(p.baseOffset()).isZero();
    }

    @Test
    void recordsParsedFromTheWireArePassedToTheLogAsTheSameView() throws Exception {
        List<MemoryRecords> appended = new ArrayList<>();
        ProduceHandler handler = new ProduceHandler(
                BROKER,
                (timeout, acks, entries, callback) -> {
                    appended.add(entries.get(TP));
                    callback.accept(Map.of(TP, new AppendResult(Errors.NONE, "", 41L, 42L, -1L, 0L, false, 5)));
                    return Cancellable.NONE;
                },
                tp -> true,
                topic -> false);
        short version = 9;
        ByteBuffer frame =
                MessageUtil.toByteBuffer(LocalLeader.produceRequest((short) 1, TP, batch(1L, "x", "y")), version);
        ProduceRequestData parsed = new ProduceRequestData(new ByteBufferAccessor(frame), version);
        MemoryRecords onTheWire = (MemoryRecords)
                parsed.topicData().iterator().next().partitionData().get(0).records();

        ProduceResponse response = LocalLeader.roundTrip(
                ApiKeys.PRODUCE, version, handler.handle(ControlRequests.context(ApiKeys.PRODUCE, version), parsed));

        assertThat(appended).singleElement().isSameAs(onTheWire);
        assertThat(partition(response).baseOffset()).isEqualTo(41L);
        assertThat(partition(response).logStartOffset()).isZero();
    }

    @Test
    void anAppenderThatThrowsGetsARetriableErrorNotUnknownServerError() throws Exception {
        ProduceHandler handler = new ProduceHandler(
                BROKER,
                (timeout, acks, entries, callback) -> {
                    throw new IllegalStateException("replica manager is shut down");
                },
                tp -> true,
                topic -> false);
        CompletionStage<ApiResponse> answer = handler.handle(
                ControlRequests.context(ApiKeys.PRODUCE, (short) 11),
                LocalLeader.produceRequest((short) 1, TP, batch(1L, "x")));

        ProduceResponse response = LocalLeader.roundTrip(ApiKeys.PRODUCE, (short) 11, answer);

        assertThat(partition(response).errorCode()).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER.code());
    }

    static PartitionProduceResponse partition(ProduceResponse response) {
        return response.data()
                .responses()
                .iterator()
                .next()
                .partitionResponses()
                .get(0);
    }

    /** One batch with one record per value, keys "k-i", a header, timestamps {@code timestamp + i}. */
    static MemoryRecords batch(long timestamp, String... values) {
        return MemoryRecords.withRecords(Compression.NONE, records(timestamp, values));
    }

    static MemoryRecords idempotent(long producerId, int baseSequence, String... values) {
        return MemoryRecords.withIdempotentRecords(
                Compression.NONE, producerId, (short) 0, baseSequence, records(1_000L, values));
    }

    private static SimpleRecord[] records(long timestamp, String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(
                    timestamp + i,
                    ("k-" + i).getBytes(StandardCharsets.UTF_8),
                    values[i].getBytes(StandardCharsets.UTF_8),
                    new Header[] {new RecordHeader("h", ("hv-" + i).getBytes(StandardCharsets.UTF_8))});
        }
        return records;
    }

    /**
     * A real replica manager over a temp dir, leader (broker 1, leader epoch 5) of {@link #TP}; the metadata knows
     * {@link #TP} and {@link #ELSEWHERE} (a partition this broker does not host). Handlers are wired to it the way
     * the server wires them, with method references.
     */
    static final class LocalLeader implements AutoCloseable {
        static final LogConfig CONFIG =
                LogConfig.defaults().withSegmentBytes(1024 * 1024).withMaxIndexSize(64 * 1024);
        static final TopicPartition ELSEWHERE = new TopicPartition("events", 1);
        static final int LEADER_EPOCH = 5;

        final LogConfig config;
        final LocalReplicaManager local;
        final LogManager logManager;
        final ReplicaManager replicaManager;
        final ProduceHandler produceHandler;
        final FetchHandler fetchHandler;
        final ListOffsetsHandler listOffsetsHandler;
        private final AtomicInteger partitionEpoch = new AtomicInteger();

        LocalLeader(Path dir, LogConfig config, List<Integer> replicas) {
            this.config = config;
            local = new LocalReplicaManager(BROKER, dir, config);
            logManager = local.logManager;
            replicaManager = local.replicaManager;
            becomeLeader(LEADER_EPOCH, replicas, replicas);
            produceHandler = new ProduceHandler(
                    BROKER, replicaManager::appendRecords, LocalLeader::known, topic -> topic.startsWith("__"));
            fetchHandler = new FetchHandler(
                    BROKER,
                    replicaManager::fetchMessages,
                    id -> id.equals(TOPIC_ID) ? Optional.of(TP.topic()) : Optional.empty(),
                    LocalLeader::known);
            listOffsetsHandler = new ListOffsetsHandler(replicaManager::listOffsets, LocalLeader::known);
        }

        static boolean known(TopicPartition tp) {
            return tp.equals(TP) || tp.equals(ELSEWHERE) || tp.topic().equals("__consumer_offsets");
        }

        void becomeLeader(int leaderEpoch, List<Integer> isr, List<Integer> replicas) {
            LeaderAndIsrPartitionState state = new LeaderAndIsrPartitionState()
                    .setTopicName(TP.topic())
                    .setPartitionIndex(TP.partition())
                    .setLeader(BROKER)
                    .setLeaderEpoch(leaderEpoch)
                    .setIsr(isr)
                    .setReplicas(replicas)
                    .setPartitionEpoch(partitionEpoch.incrementAndGet());
            Map<TopicPartition, Errors> result = replicaManager.becomeLeaderOrFollower(
                    1, List.of(state), Map.of(TP.topic(), TOPIC_ID), topic -> new TopicSettings(1, config));
            assertThat(result).containsEntry(TP, Errors.NONE);
        }

        long logEndOffset() {
            return replicaManager
                    .listOffsets(TP, -1L, FetchIsolation.LOG_END, -1)
                    .offset();
        }

        static ProduceRequestData produceRequest(short acks, TopicPartition tp, MemoryRecords records) {
            ProduceRequestData request =
                    new ProduceRequestData().setAcks(acks).setTimeoutMs(10_000).setTransactionalId(null);
            TopicProduceData topic = new TopicProduceData().setName(tp.topic());
            topic.partitionData()
                    .add(new PartitionProduceData().setIndex(tp.partition()).setRecords(records));
            request.topicData().add(topic);
            return request;
        }

        CompletionStage<ApiResponse> produceRaw(short version, short acks, TopicPartition tp, MemoryRecords records) {
            return produceHandler.handle(
                    ControlRequests.context(ApiKeys.PRODUCE, version), produceRequest(acks, tp, records));
        }

        ProduceResponse produce(short version, short acks, TopicPartition tp, MemoryRecords records) throws Exception {
            return roundTrip(ApiKeys.PRODUCE, version, produceRaw(version, acks, tp, records));
        }

        ProduceResponse send(short version, ProduceRequestData request) throws Exception {
            return roundTrip(
                    ApiKeys.PRODUCE,
                    version,
                    produceHandler.handle(ControlRequests.context(ApiKeys.PRODUCE, version), request));
        }

        /**
         * Encodes the handler's answer with the broker's {@link ResponseWriter} (file slices copied, as under TLS)
         * and parses it back with kafka-clients, as a client would.
         */
        static <T extends AbstractResponse> T roundTrip(ApiKeys api, short version, CompletionStage<ApiResponse> answer)
                throws Exception {
            ApiResponse response = answer.toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(response).isInstanceOf(ApiResponse.Send.class);
            return parse(api, version, ((ApiResponse.Send) response).message());
        }

        @SuppressWarnings("unchecked")
        static <T extends AbstractResponse> T parse(ApiKeys api, short version, ApiMessage message) {
            short headerVersion = api.responseHeaderVersion(version);
            ResponseWriter.EncodedResponse encoded =
                    ResponseWriter.encode(UnpooledByteBufAllocator.DEFAULT, 7, headerVersion, message, version, false);
            ByteBuffer frame = ByteBuffer.allocate(encoded.sizeInBytes());
            for (Object part : encoded.parts()) {
                ByteBuf buf = (ByteBuf) part;
                byte[] bytes = new byte[buf.readableBytes()];
                buf.getBytes(buf.readerIndex(), bytes);
                frame.put(bytes);
            }
            encoded.release();
            frame.flip();
            assertThat(frame.getInt()).isEqualTo(encoded.sizeInBytes() - Integer.BYTES);
            assertThat(ResponseHeader.parse(frame, headerVersion).correlationId())
                    .isEqualTo(7);
            return (T) AbstractResponse.parseResponse(api, frame, version);
        }

        @Override
        public void close() {
            local.close();
        }
    }
}
