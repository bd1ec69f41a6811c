package io.sluice.broker.api.handlers;

import static io.sluice.broker.api.handlers.ProduceHandlerTest.BROKER;
import static io.sluice.broker.api.handlers.ProduceHandlerTest.TOPIC_ID;
import static io.sluice.broker.api.handlers.ProduceHandlerTest.TP;
import static io.sluice.broker.api.handlers.ProduceHandlerTest.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.FileRegion;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestCancellation;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.api.handlers.ProduceHandlerTest.LocalLeader;
import io.sluice.broker.fetch.FetchSessionCache;
import io.sluice.broker.fetch.FetchSessionMetrics;
import io.sluice.broker.fetch.FetchSessions;
import io.sluice.broker.metrics.TopicMetrics;
import io.sluice.broker.network.FileRecordsSlice;
import io.sluice.broker.network.ResponseWriter;
import io.sluice.broker.testing.ControlRequests;
import io.sluice.replication.purgatory.PurgatoryMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Records;
import org.apache.kafka.common.requests.FetchResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class FetchHandlerTest extends LocalLeaderTest {
    private static final int CONSUMER = -1;
    private static final int FOLLOWER = 2;

    private LocalLeader leader(List<Integer> replicas) {
        leader = new LocalLeader(dir, LocalLeader.CONFIG, replicas);
        return leader;
    }

    @Test
    void aConsumerReadsBackWhatWasProducedAtEveryVersion() throws Exception {
        LocalLeader l = leader(List.of(BROKER));
        l.produce((short) 11, (short) 1, TP, batch(1_700L, "alpha", "beta"));
        l.produce((short) 11, (short) 1, TP, batch(1_800L, "gamma"));

        for (short v = FetchHandler.MIN_VERSION; v <= FetchHandler.MAX_VERSION; v++) {
            FetchResponse response = fetch(l, v, request(v, CONSUMER, 0L, -1, -1));
            PartitionData p = partition(response, v);

            assertThat(response.error()).as("v%d", v).isEqualTo(Errors.NONE);
            assertThat(response.data().sessionId()).isZero();
            assertThat(p.errorCode()).as("v%d", v).isEqualTo(Errors.NONE.code());
            assertThat(p.highWatermark()).isEqualTo(3L);
            assertThat(p.lastStableOffset()).isEqualTo(3L);
            if (v >= 5) {
                assertThat(p.logStartOffset()).isZero();
            }
            assertThat(p.preferredReadReplica()).isEqualTo(-1);
            List<Record> records = records(p);
            assertThat(records).extracting(Record::offset).containsExactly(0L, 1L, 2L);
            assertThat(records).extracting(Record::timestamp).containsExactly(1_700L, 1_701L, 1_800L);
            assertThat(records).extracting(r -> utf8(r.key())).containsExactly("k-0", "k-1", "k-0");
            assertThat(records).extracting(r -> utf8(r.value())).containsExactly("alpha", "beta", "gamma");
            assertThat(records.get(1).headers()).hasSize(1);
            assertThat(records.get(1).headers()[0].key()).isEqualTo("h");
            assertThat(new String(records.get(1).headers()[0].value(), StandardCharsets.UTF_8))
                    .isEqualTo("hv-1");
        }
    }

    @Test
    void readCommittedWithoutTransactionsReadsToTheHighWatermark() throws Exception {
        LocalLeader l = leader(List.of(BROKER));
        l.produce((short) 11, (short) 1, TP, batch(1_700L, "alpha"));

        for (short v : new short[] {4, 12, 16}) {
            PartitionData p =
                    partition(fetch(l, v, request(v, CONSUMER, 0L, -1, -1).setIsolationLevel((byte) 1)), v);
            assertThat(p.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(p.lastStableOffset()).isEqualTo(1L);
            assertThat(p.abortedTransactions()).isNullOrEmpty();
            assertThat(records(p)).extracting(r -> utf8(r.value())).containsExactly("alpha");
        }
    }

    @Test
    void recordsAreAFileSliceSentWithSendfileNotACopy() throws Exception {
        LocalLeader l = leader(List.of(BROKER));
        l.produce((short) 11, (short) 1, TP, batch(1_700L, "alpha"));
        short v = 12;

        ApiResponse answer = l.fetchHandler
                .handle(ControlRequests.context(ApiKeys.FETCH, v), request(v, CONSUMER, 0L, -1, -1))
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        FetchResponseData data = (FetchResponseData) ((ApiResponse.Send) answer).message();
        PartitionData p = data.responses().get(0).partitions().get(0);

        assertThat(p.records()).isInstanceOf(FileRecordsSlice.class);
        ResponseWriter.EncodedResponse encoded =
                ResponseWriter.encode(UnpooledByteBufAllocator.DEFAULT, 1, (short) 1, data, v, true);
        try {
            assertThat(encoded.parts()).filteredOn(FileRegion.class::isInstance).hasSize(1);
            assertThat(((FileRegion) encoded.parts().stream()
                                    .filter(FileRegion.class::isInstance)
                                    .findFirst()
                                    .orElseThrow())
                            .count())
                    .isEqualTo(p.records().sizeInBytes());
        } finally {
            encoded.release();
        }
    }

    @Test
    void aConsumerBetweenTheHighWatermarkAndTheLogEndGetsNothingAndNoError() throws Exception {
        LocalLeader l = leader(List.of(BROKER, FOLLOWER));
        l.produce((short) 11, (short) 1, TP, batch(1_700L, "alpha", "beta"));
        short v = 12;

        PartitionData fromZero = partition(fetch(l, v, request(v, CONSUMER, 0L, -1, -1)), v);
        PartitionData atEnd = partition(fetch(l, v, request(v, CONSUMER, 2L, -1, -1)), v);
        PartitionData follower = partition(fetch(l, v, request(v, FOLLOWER, 0L, 5, -1)), v);

        assertThat(fromZero.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(fromZero.highWatermark()).isZero();
        assertThat(records(fromZero)).isEmpty();
        assertThat(atEnd.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(records(atEnd)).isEmpty();
        assertThat(follower.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(records(follower)).extracting(r -> utf8(r.value())).containsExactly("alpha", "beta");
    }

    @Test
    void aFollowerFetchAtItsLogEndAdvancesTheHighWatermarkForConsumers() throws Exception {
        LocalLeader l = leader(List.of(BROKER, FOLLOWER));
        l.produce((short) 11, (short) 1, TP, batch(1_700L, "alpha", "beta"));
        short v = 12;

        fetch(l, v, request(v, FOLLOWER, 2L, 5, 5));
        PartitionData consumer = partition(fetch(l, v, request(v, CONSUMER, 0L, -1, -1)), v);

        assertThat(consumer.highWatermark()).isEqualTo(2L);
        assertThat(records(consumer)).extracting(r -> utf8(r.value())).containsExactly("alpha", "beta");
    }

    @Test
    void aFollowersBrokerEpochFromV15ReachesItsReplicaStateAndIsUnknownBefore() throws Exception {
        LocalLeader l = leader(List.of(BROKER, FOLLOWER));
        l.produce((short) 11, (short) 1, TP, batch(1_700L, "alpha"));
        var partition = l.replicaManager.partition(TP).orElseThrow();

        FetchRequestData v15 = request((short) 15, FOLLOWER, 0L, 5, -1);
        v15.replicaState().setReplicaEpoch(4_711L);
        assertThat(partition(fetch(l, (short) 15, v15), 15).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(partition.followerState(FOLLOWER).orElseThrow().brokerEpoch())
                .isEqualTo(4_711L);

        fetch(l, (short) 12, request((short) 12, FOLLOWER, 1L, 5, 5));
        assertThat(partition.followerState(FOLLOWER).orElseThrow().brokerEpoch())
                .isEqualTo(-1L);
        assertThat(partition.followerState(FOLLOWER).orElseThrow().logEndOffset())
                .isEqualTo(1L);
    }

    @Test
    void aLongPollCompletesAsSoonAsDataArrives() throws Exception {
        LocalLeader l = leader(List.of(BROKER));
        short v = 12;
        FetchRequestData request =
                request(v, CONSUMER, 0L, -1, -1).setMaxWaitMs(20_000).setMinBytes(1);

        CompletableFuture<ApiResponse> answer = l.fetchHandler
                .handle(ControlRequests.context(ApiKeys.FETCH, v), request)
                .toCompletableFuture();
        assertThat(answer).isNotDone();
        long start = System.nanoTime();
        l.produce((short) 11, (short) 1, TP, batch(1_700L, "late"));

        await().atMost(Duration.ofSeconds(5)).until(answer::isDone);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        FetchResponse response = LocalLeader.roundTrip(ApiKeys.FETCH, v, answer);
        assertThat(records(partition(response, v)))
                .extracting(r -> utf8(r.value()))
                .containsExactly("late");
    }

    @Test
    void aLongPollWhoseConnectionClosedLeavesThePurgatoryAtOnce() {
        LocalLeader l = leader(List.of(BROKER));
        short v = 12;
        FetchRequestData request =
                request(v, CONSUMER, 0L, -1, -1).setMaxWaitMs(600_000).setMinBytes(1024 * 1024);
        RequestCancellation cancellation = RequestCancellation.create();
        RequestContext context = ControlRequests.context(ApiKeys.FETCH, v, cancellation);

        CompletableFuture<ApiResponse> answer =
                l.fetchHandler.handle(context, request).toCompletableFuture();
        assertThat(answer).isNotDone();
        assertThat(fetchPurgatorySize(l)).isEqualTo(1.0);

        cancellation.cancel();

        assertThat(fetchPurgatorySize(l)).isZero();
        assertThat(l.local
                        .registry
                        .get(PurgatoryMetrics.DELAYED)
                        .tag(PurgatoryMetrics.TAG, "Fetch")
                        .gauge()
                        .value())
                .isZero();
        assertThat(answer).as("nobody waits for the answer").isNotDone();
    }

    private static double fetchPurgatorySize(LocalLeader l) {
        return l.local
                .registry
                .get(PurgatoryMetrics.SIZE)
                .tag(PurgatoryMetrics.TAG, "Fetch")
                .gauge()
                .value();
    }

    @Test
    void offsetOutOfRangeStillCarriesTheLogStartAndHighWatermark() throws Exception {
        LocalLeader l = leader(List.of(BROKER));
        l.produce((short) 11, (short) 1, TP, batch(1_700L, "a", "b", "c"));

        for (int replica : new int[] {CONSUMER, FOLLOWER}) {
            PartitionData p = partition(fetch(l, (short) 11, request((short) 11, replica, 50L, -1, -1)), 11);
            assertThat(p.errorCode()).isEqualTo(Errors.OFFSET_OUT_OF_RANGE.code());
            assertThat(p.highWatermark()).isEqualTo(3L);
            assertThat(p.logStartOffset()).isZero();
            assertThat(records(p)).isEmpty();
        }
    }

    @Test
    void aDivergingFollowerGetsTheEpochEndAndNoRecords() throws Exception {
        LocalLeader l = leader(List.of(BROKER, FOLLOWER));
        l.produce((short) 11, (short) 1, TP, batch(1_700L, "a", "b", "c"));
        short v = 12;

        PartitionData p = partition(fetch(l, v, request(v, FOLLOWER, 7L, 5, 5)), v);

        assertThat(p.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(p.divergingEpoch().epoch()).isEqualTo(5);
        assertThat(p.divergingEpoch().endOffset()).isEqualTo(3L);
        assertThat(records(p)).isEmpty();
    }

    @Test
    void leaderEpochsAreFenced() throws Exception {
        LocalLeader l = leader(List.of(BROKER));
        short v = 12;

        PartitionData older = partition(fetch(l, v, request(v, CONSUMER, 0L, 4, -1)), v);
        PartitionData newer = partition(fetch(l, v, request(v, CONSUMER, 0L, 6, -1)), v);

        assertThat(older.errorCode()).isEqualTo(Errors.FENCED_LEADER_EPOCH.code());
        assertThat(newer.errorCode()).isEqualTo(Errors.UNKNOWN_LEADER_EPOCH.code());
    }

    @Test
    void unknownTopicIdsUnknownPartitionsAndPartitionsLedElsewhere() throws Exception {
        LocalLeader l = leader(List.of(BROKER));
        short v = 13;
        FetchRequestData byId = request(v, CONSUMER, 0L, -1, -1);
        byId.topics().get(0).setTopicId(Uuid.randomUuid());
        FetchResponse unknownId = fetch(l, v, byId);

        FetchRequestData byName = request((short) 12, CONSUMER, 0L, -1, -1);
        byName.topics().add(topic("missing", Uuid.ZERO_UUID, 0L, -1, -1));
        byName.topics().add(topic(TP.topic(), TOPIC_ID, 0L, -1, -1));
        byName.topics().get(2).partitions().get(0).setPartition(LocalLeader.ELSEWHERE.partition());
        FetchResponse mixed = fetch(l, (short) 12, byName);

        assertThat(partition(unknownId, v).errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_ID.code());
        assertThat(unknownId.data().responses().get(0).topicId())
                .isEqualTo(byId.topics().get(0).topicId());
        List<FetchResponseData.FetchableTopicResponse> topics = mixed.data().responses();
        assertThat(topics)
                .extracting(FetchResponseData.FetchableTopicResponse::topic)
                .containsExactly("events", "missing", "events");
        assertThat(topics.get(0).partitions().get(0).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(topics.get(1).partitions().get(0).errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(topics.get(2).partitions().get(0).errorCode()).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER.code());
    }

    @Test
    void fetchSessionsAreRefused() throws Exception {
        LocalLeader l = leader(List.of(BROKER));
        short v = 12;

        FetchResponse initial = fetch(l, v, request(v, CONSUMER, 0L, -1, -1).setSessionEpoch(0));
        FetchResponse existing =
                fetch(l, v, request(v, CONSUMER, 0L, -1, -1).setSessionId(42).setSessionEpoch(3));
        FetchResponse badEpoch = fetch(l, v, request(v, CONSUMER, 0L, -1, -1).setSessionEpoch(2));

        assertThat(initial.error()).isEqualTo(Errors.NONE);
        assertThat(initial.data().sessionId()).isZero();
        assertThat(initial.data().responses()).hasSize(1);
        assertThat(existing.error()).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);
        assertThat(existing.data().responses()).isEmpty();
        assertThat(badEpoch.error()).isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH);
    }

    @Test
    void aSessionAnswersIncrementallyWithOnlyThePartitionsThatChanged() throws Exception {
        LocalLeader l = leader(List.of(BROKER));
        l.produce((short) 11, (short) 1, TP, batch(1_700L, "alpha"));
        FetchSessions sessions = new FetchSessions(
                BROKER,
                new FetchSessionCache(
                        10,
                        FetchSessionCache.DEFAULT_EVICTION_MS,
                        Clock.systemUTC(),
                        new Random(3),
                        FetchSessionMetrics.NOOP),
                FetchSessionMetrics.NOOP);
        FetchHandler handler = new FetchHandler(
                BROKER,
                l.replicaManager::fetchMessages,
                id -> id.equals(TOPIC_ID) ? Optional.of(TP.topic()) : Optional.empty(),
                LocalLeader::known,
                TopicMetrics.NOOP,
                sessions);
        short v = 16;

        FetchResponse full = fetch(handler, v, request(v, CONSUMER, 0L, -1, -1).setSessionEpoch(0));
        int id = full.data().sessionId();
        assertThat(id).isNotZero();
        assertThat(records(partition(full, v))).extracting(r -> utf8(r.value())).containsExactly("alpha");

        // the client moved on to offset 1 and names the partition; nothing new: the high watermark is what was sent
        FetchResponse same = fetch(
                handler, v, request(v, CONSUMER, 1L, -1, -1).setSessionId(id).setSessionEpoch(1));
        assertThat(same.error()).isEqualTo(Errors.NONE);
        assertThat(same.data().sessionId()).isEqualTo(id);
        assertThat(same.data().responses()).isEmpty();

        // an incremental fetch naming nothing reads the session's partition at the remembered offset
        l.produce((short) 11, (short) 1, TP, batch(1_800L, "beta"));
        FetchRequestData empty =
                request(v, CONSUMER, 0L, -1, -1).setSessionId(id).setSessionEpoch(2);
        empty.topics().clear();
        FetchResponse news = fetch(handler, v, empty);
        PartitionData p = partition(news, v);
        assertThat(p.highWatermark()).isEqualTo(2L);
        assertThat(records(p)).extracting(r -> utf8(r.value())).containsExactly("beta");

        FetchResponse replay = fetch(handler, v, empty);
        assertThat(replay.error()).isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH);
    }

    @Test
    void maxBytesLimitsTheResponseButTheFirstBatchIsWhole() throws Exception {
        LocalLeader l = leader(List.of(BROKER));
        for (int i = 0; i < 5; i++) {
            l.produce((short) 11, (short) 1, TP, batch(1_700L + i, "value-" + i));
        }
        short v = 12;

        PartitionData tiny =
                partition(fetch(l, v, request(v, CONSUMER, 0L, -1, -1).setMaxBytes(1)), v);
        PartitionData all = partition(fetch(l, v, request(v, CONSUMER, 0L, -1, -1)), v);

        assertThat(records(tiny)).extracting(r -> utf8(r.value())).containsExactly("value-0");
        assertThat(records(all)).hasSize(5);
    }

    private static FetchResponse fetch(LocalLeader l, short version, FetchRequestData request) throws Exception {
        return fetch(l.fetchHandler, version, request);
    }

    private static FetchResponse fetch(FetchHandler handler, short version, FetchRequestData request) throws Exception {
        CompletionStage<ApiResponse> answer = handler.handle(ControlRequests.context(ApiKeys.FETCH, version), request);
        return LocalLeader.roundTrip(ApiKeys.FETCH, version, answer);
    }

    /** A full (sessionless) fetch of {@link ProduceHandlerTest#TP} as a client of {@code version} sends it. */
    static FetchRequestData request(
            short version, int replicaId, long offset, int currentLeaderEpoch, int lastFetchedEpoch) {
        FetchRequestData request = new FetchRequestData()
                .setMaxWaitMs(0)
                .setMinBytes(1)
                .setMaxBytes(1024 * 1024)
                .setIsolationLevel((byte) 0)
                .setSessionId(0)
                .setSessionEpoch(-1);
        if (version >= 15) {
            request.setReplicaState(new FetchRequestData.ReplicaState().setReplicaId(replicaId));
        } else {
            request.setReplicaId(replicaId);
        }
        request.topics().add(topic(TP.topic(), TOPIC_ID, offset, currentLeaderEpoch, lastFetchedEpoch));
        return request;
    }

    private static FetchTopic topic(String name, Uuid id, long offset, int currentLeaderEpoch, int lastEpoch) {
        FetchTopic topic = new FetchTopic().setTopic(name).setTopicId(id);
        topic.partitions()
                .add(new FetchPartition()
                        .setPartition(TP.partition())
                        .setFetchOffset(offset)
                        .setLogStartOffset(-1L)
                        .setPartitionMaxBytes(1024 * 1024)
                        .setCurrentLeaderEpoch(currentLeaderEpoch)
                        .setLastFetchedEpoch(lastEpoch));
        return topic;
    }

    private static PartitionData partition(FetchResponse response, int version) {
        assertThat(response.data().responses()).hasSize(1);
        FetchResponseData.FetchableTopicResponse topic =
                response.data().responses().get(0);
        if (version >= 13) {
            assertThat(topic.topicId()).isNotEqualTo(Uuid.ZERO_UUID);
        } else {
            assertThat(topic.topic()).isEqualTo(TP.topic());
        }
        return topic.partitions().get(0);
    }

    private static List<Record> records(PartitionData p) {
        List<Record> out = new ArrayList<>();
        Records records = (MemoryRecords) p.records();
        for (RecordBatch batch : records.batches()) {
            assertThat(batch.isValid()).isTrue();
            assertThat(batch.partitionLeaderEpoch()).isEqualTo(LocalLeader.LEADER_EPOCH);
            for (Record record : batch) {
                out.add(record);
            }
        }
        return out;
    }

    private static String utf8(java.nio.ByteBuffer buffer) {
        return StandardCharsets.UTF_8.decode(buffer.duplicate()).toString();
    }
}
