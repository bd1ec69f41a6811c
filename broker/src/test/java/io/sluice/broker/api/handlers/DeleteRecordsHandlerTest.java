package io.sluice.broker.api.handlers;

import static io.sluice.broker.api.handlers.ProduceHandlerTest.BROKER;
import static io.sluice.broker.api.handlers.ProduceHandlerTest.TP;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.api.handlers.ProduceHandlerTest.LocalLeader;
import io.sluice.broker.testing.ControlRequests;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsTopic;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteRecordsResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class DeleteRecordsHandlerTest extends LocalLeaderTest {
    private DeleteRecordsHandler handler;

    private void start(List<Integer> replicas) throws Exception {
        leader = new LocalLeader(dir, LocalLeader.CONFIG, replicas);
        handler = new DeleteRecordsHandler(leader.replicaManager::deleteRecords, LocalLeader::known);
        leader.produce((short) 11, (short) 1, TP, ProduceHandlerTest.batch(100L, "a", "b", "c", "d", "e"));
    }

    @Test
    void raisesTheLogStartOffsetToTheOffsetOrTheHighWatermark() throws Exception {
        start(List.of(BROKER));

        DeleteRecordsPartitionResult first = delete(3L, 5_000, TP).get(0);
        assertThat(first.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(first.lowWatermark()).isEqualTo(3L);
        assertThat(leader.replicaManager.partition(TP).orElseThrow().logStartOffset())
                .isEqualTo(3L);

        DeleteRecordsPartitionResult toHw = delete(-1L, 5_000, TP).get(0);
        assertThat(toHw.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(toHw.lowWatermark()).isEqualTo(5L);

        DeleteRecordsPartitionResult backwards = delete(1L, 5_000, TP).get(0);
        assertThat(backwards.errorCode())
                .as("an older offset is already deleted")
                .isEqualTo(Errors.NONE.code());
        assertThat(backwards.lowWatermark()).isEqualTo(5L);
    }

    @Test
    void refusesOffsetsOutsideTheLogAndPartitionsItDoesNotKnowOrLead() throws Exception {
        start(List.of(BROKER));

        assertThat(delete(6L, 5_000, TP).get(0).errorCode()).isEqualTo(Errors.OFFSET_OUT_OF_RANGE.code());
        assertThat(delete(-2L, 5_000, TP).get(0).errorCode()).isEqualTo(Errors.OFFSET_OUT_OF_RANGE.code());
        assertThat(delete(0L, 5_000, new TopicPartition("nope", 0)).get(0).errorCode())
                .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(delete(0L, 5_000, LocalLeader.ELSEWHERE).get(0).errorCode())
                .isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER.code());
        assertThat(delete(0L, 5_000, TP, TP))
                .extracting(DeleteRecordsPartitionResult::errorCode)
                .containsOnly(Errors.INVALID_REQUEST.code());
        assertThat(leader.replicaManager.partition(TP).orElseThrow().logStartOffset())
                .isZero();
    }

    @Test
    void waitsForTheInSyncFollowersAndTimesOutWhenOneNeverFetches() throws Exception {
        start(List.of(BROKER, 2));

        DeleteRecordsPartitionResult result = delete(0L, 300, TP).get(0);

        assertThat(result.errorCode()).isEqualTo(Errors.REQUEST_TIMED_OUT.code());
    }

    private List<DeleteRecordsPartitionResult> delete(long offset, int timeoutMs, TopicPartition... partitions)
            throws Exception {
        DeleteRecordsRequestData request = new DeleteRecordsRequestData().setTimeoutMs(timeoutMs);
        for (TopicPartition tp : partitions) {
            DeleteRecordsTopic topic = request.topics().stream()
                    .filter(t -> t.name().equals(tp.topic()))
                    .findFirst()
                    .orElse(null);
            if (topic == null) {
                topic = new DeleteRecordsTopic().setName(tp.topic());
                request.topics().add(topic);
            }
            topic.partitions()
                    .add(new DeleteRecordsPartition()
                            .setPartitionIndex(tp.partition())
                            .setOffset(offset));
        }
        DeleteRecordsResponse response = LocalLeader.roundTrip(
                ApiKeys.DELETE_RECORDS,
                (short) 2,
                handler.handle(ControlRequests.context(ApiKeys.DELETE_RECORDS, (short) 2), request));
        return response.data().topics().iterator().next().partitions().stream().toList();
    }
}
