package io.sluice.broker.api.handlers;

import static io.sluice.broker.api.handlers.ProduceHandlerTest.BROKER;
import static io.sluice.broker.api.handlers.ProduceHandlerTest.TP;
import static io.sluice.broker.api.handlers.ProduceHandlerTest.batch;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.api.handlers.ProduceHandlerTest.LocalLeader;
import io.sluice.broker.testing.ControlRequests;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ListOffsetsHandlerTest extends LocalLeaderTest {
    private static final int CONSUMER = ListOffsetsRequest.CONSUMER_REPLICA_ID;
    private static final int FOLLOWER = 2;

    /** A leader of TP holding offsets 0..2 with timestamps 1000, 2000, 3000 (one batch each). */
    private LocalLeader leaderWithThreeRecords(List<Integer> replicas) throws Exception {
        leader = new LocalLeader(dir, LocalLeader.CONFIG, replicas);
        for (long ts : new long[] {1_000L, 3_000L, 2_000L}) {
            leader.produce((short) 11, (short) 1, TP, batch(ts, "at-" + ts));
        }
        return leader;
    }

    @Test
    void earliestLatestTimestampAndMaxTimestampAtEveryVersion() throws Exception {
        LocalLeader l = leaderWithThreeRecords(List.of(BROKER));

        for (short v = ListOffsetsHandler.MIN_VERSION; v <= ListOffsetsHandler.MAX_VERSION; v++) {
            ListOffsetsPartitionResponse earliest = lookup(l, v, CONSUMER, ListOffsetsRequest.EARLIEST_TIMESTAMP, -1);
            ListOffsetsPartitionResponse latest = lookup(l, v, CONSUMER, ListOffsetsRequest.LATEST_TIMESTAMP, -1);
            ListOffsetsPartitionResponse at1500 = lookup(l, v, CONSUMER, 1_500L, -1);
            ListOffsetsPartitionResponse exact = lookup(l, v, CONSUMER, 1_000L, -1);
            ListOffsetsPartitionResponse after = lookup(l, v, CONSUMER, 9_000L, -1);

            assertThat(earliest.errorCode()).as("v%d", v).isEqualTo(Errors.NONE.code());
            assertThat(earliest.offset()).isZero();
            assertThat(latest.offset()).isEqualTo(3L);
            assertThat(at1500.offset()).isEqualTo(1L);
            assertThat(at1500.timestamp()).isEqualTo(3_000L);
            assertThat(exact.offset()).isZero();
            assertThat(exact.timestamp()).isEqualTo(1_000L);
            assertThat(after.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(after.offset()).isEqualTo(-1L);
            assertThat(after.timestamp()).isEqualTo(-1L);
            if (v >= 4) {
                assertThat(latest.leaderEpoch()).isEqualTo(LocalLeader.LEADER_EPOCH);
                assertThat(at1500.leaderEpoch()).isEqualTo(LocalLeader.LEADER_EPOCH);
            }
            if (v >= 7) {
                ListOffsetsPartitionResponse max = lookup(l, v, CONSUMER, ListOffsetsRequest.MAX_TIMESTAMP, -1);
                assertThat(max.offset()).isEqualTo(1L);
                assertThat(max.timestamp()).isEqualTo(3_000L);
            }
        }
    }

    @Test
    void earliestLocalIsTheLogStartAndLatestTieredIsNone() throws Exception {
        LocalLeader l = leaderWithThreeRecords(List.of(BROKER));

        ListOffsetsPartitionResponse local =
                lookup(l, (short) 9, CONSUMER, ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP, -1);
        ListOffsetsPartitionResponse tiered =
                lookup(l, (short) 9, CONSUMER, ListOffsetsRequest.LATEST_TIERED_TIMESTAMP, -1);

        assertThat(local.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(local.offset()).isZero();
        assertThat(tiered.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(tiered.offset()).isEqualTo(-1L);
    }

    @Test
    void consumersSeeOnlyTheHighWatermarkReplicasSeeTheLogEnd() throws Exception {
        LocalLeader l = leaderWithThreeRecords(List.of(BROKER, FOLLOWER));

        ListOffsetsPartitionResponse consumer = lookup(l, (short) 8, CONSUMER, ListOffsetsRequest.LATEST_TIMESTAMP, -1);
        ListOffsetsPartitionResponse committed =
                send(l, (short) 8, request(CONSUMER, TP, -1L, -1).setIsolationLevel((byte) 1));
        ListOffsetsPartitionResponse replica = lookup(l, (short) 8, FOLLOWER, ListOffsetsRequest.LATEST_TIMESTAMP, -1);
        ListOffsetsPartitionResponse byTime = lookup(l, (short) 8, CONSUMER, 1_500L, -1);

        assertThat(consumer.offset()).isZero();
        assertThat(committed.offset()).isZero();
        assertThat(replica.offset()).isEqualTo(3L);
        assertThat(byTime.offset()).isEqualTo(-1L);
    }

    @Test
    void aNewLeaderAnswersOffsetNotAvailableUntilItsHighWatermarkReachesItsEpochStart() throws Exception {
        LocalLeader l = leaderWithThreeRecords(List.of(BROKER, FOLLOWER));
        l.becomeLeader(LocalLeader.LEADER_EPOCH + 1, List.of(BROKER, FOLLOWER), List.of(BROKER, FOLLOWER));

        ListOffsetsPartitionResponse latest = lookup(l, (short) 8, CONSUMER, ListOffsetsRequest.LATEST_TIMESTAMP, -1);

        assertThat(latest.errorCode()).isEqualTo(Errors.OFFSET_NOT_AVAILABLE.code());
        assertThat(latest.offset()).isEqualTo(-1L);
    }

    @Test
    void currentLeaderEpochFences() throws Exception {
        LocalLeader l = leaderWithThreeRecords(List.of(BROKER));

        ListOffsetsPartitionResponse older = lookup(l, (short) 4, CONSUMER, -1L, LocalLeader.LEADER_EPOCH - 1);
        ListOffsetsPartitionResponse newer = lookup(l, (short) 4, CONSUMER, -1L, LocalLeader.LEADER_EPOCH + 1);
        ListOffsetsPartitionResponse current = lookup(l, (short) 4, CONSUMER, -1L, LocalLeader.LEADER_EPOCH);

        assertThat(older.errorCode()).isEqualTo(Errors.FENCED_LEADER_EPOCH.code());
        assertThat(newer.errorCode()).isEqualTo(Errors.UNKNOWN_LEADER_EPOCH.code());
        assertThat(current.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(current.offset()).isEqualTo(3L);
    }

    @Test
    void unknownNotLedHereAndDuplicatedPartitions() throws Exception {
        LocalLeader l = leaderWithThreeRecords(List.of(BROKER));

        ListOffsetsPartitionResponse unknown =
                send(l, (short) 6, request(CONSUMER, new TopicPartition("missing", 0), -1L, -1));
        ListOffsetsPartitionResponse elsewhere = send(l, (short) 6, request(CONSUMER, LocalLeader.ELSEWHERE, -1L, -1));
        ListOffsetsRequestData twice = request(CONSUMER, TP, -1L, -1);
        twice.topics()
                .get(0)
                .partitions()
                .add(new ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-2L));
        ListOffsetsResponse duplicated = LocalLeader.roundTrip(
                ApiKeys.LIST_OFFSETS,
                (short) 6,
                l.listOffsetsHandler.handle(ControlRequests.context(ApiKeys.LIST_OFFSETS, (short) 6), twice));

        assertThat(unknown.errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(elsewhere.errorCode()).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER.code());
        assertThat(duplicated.data().topics().get(0).partitions())
                .extracting(ListOffsetsPartitionResponse::errorCode)
                .containsExactly(Errors.INVALID_REQUEST.code(), Errors.INVALID_REQUEST.code());
    }

    private static ListOffsetsPartitionResponse lookup(
            LocalLeader l, short version, int replicaId, long timestamp, int currentLeaderEpoch) throws Exception {
        return send(l, version, request(replicaId, TP, timestamp, currentLeaderEpoch));
    }

    private static ListOffsetsPartitionResponse send(LocalLeader l, short version, ListOffsetsRequestData request)
            throws Exception {
        ListOffsetsResponse response = LocalLeader.roundTrip(
                ApiKeys.LIST_OFFSETS,
                version,
                l.listOffsetsHandler.handle(ControlRequests.context(ApiKeys.LIST_OFFSETS, version), request));
        assertThat(response.data().topics()).hasSize(1);
        assertThat(response.data().topics().get(0).partitions()).hasSize(1);
        return response.data().topics().get(0).partitions().get(0);
    }

    private static ListOffsetsRequestData request(
            int replicaId, TopicPartition tp, long timestamp, int currentLeaderEpoch) {
        ListOffsetsRequestData request =
                new ListOffsetsRequestData().setReplicaId(replicaId).setIsolationLevel((byte) 0);
        ListOffsetsTopic topic = new ListOffsetsTopic().setName(tp.topic());
        topic.partitions()
                .add(new ListOffsetsPartition()
                        .setPartitionIndex(tp.partition())
                        .setTimestamp(timestamp)
                        .setCurrentLeaderEpoch(currentLeaderEpoch));
        request.topics().add(topic);
        return request;
    }
}
