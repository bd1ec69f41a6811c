package io.sluice.broker.api.handlers;

import static io.sluice.broker.api.handlers.ProduceHandlerTest.BROKER;
import static io.sluice.broker.api.handlers.ProduceHandlerTest.TP;
import static io.sluice.broker.api.handlers.ProduceHandlerTest.batch;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.api.handlers.ProduceHandlerTest.LocalLeader;
import io.sluice.broker.testing.ControlRequests;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class OffsetForLeaderEpochHandlerTest {
    private static final int CONSUMER = -1;
    private static final int NO_CHECK = -1;
    /** The second leadership of the fixture: offsets 0..2 were written in epoch 5, offsets 3..4 in epoch 7. */
    private static final int LATER_EPOCH = 7;

    @TempDir
    Path dir;

    private LocalLeader leader;
    private OffsetForLeaderEpochHandler handler;

    @BeforeEach
    void leaderOfTwoEpochs() throws Exception {
        leader = new LocalLeader(dir, LocalLeader.CONFIG, List.of(BROKER));
        for (int i = 0; i < 3; i++) {
            leader.produce((short) 11, (short) 1, TP, batch(1_000L + i, "e5-" + i));
        }
        leader.becomeLeader(LATER_EPOCH, List.of(BROKER), List.of(BROKER));
        for (int i = 0; i < 2; i++) {
            leader.produce((short) 11, (short) 1, TP, batch(2_000L + i, "e7-" + i));
        }
        handler = new OffsetForLeaderEpochHandler(leader.replicaManager::lastOffsetForLeaderEpoch, LocalLeader::known);
    }

    @AfterEach
    void stop() {
        leader.close();
    }

    @Test
    void eachEpochEndsWhereTheNextBeginsAndTheCurrentOneAtTheLogEndAtEveryVersion() throws Exception {
        for (short v = OffsetForLeaderEpochHandler.MIN_VERSION; v <= OffsetForLeaderEpochHandler.MAX_VERSION; v++) {
            EpochEndOffset current = lookup(v, TP, NO_CHECK, LATER_EPOCH);
            EpochEndOffset between = lookup(v, TP, NO_CHECK, 6);
            EpochEndOffset first = lookup(v, TP, NO_CHECK, LocalLeader.LEADER_EPOCH);

            assertThat(current.errorCode()).as("v%d", v).isEqualTo(Errors.NONE.code());
            assertThat(current.endOffset()).as("v%d", v).isEqualTo(5L);
            assertThat(between.endOffset())
                    .as("epoch 6 was never written: epoch 5 ends at 3")
                    .isEqualTo(3L);
            assertThat(first.endOffset()).isEqualTo(3L);
            if (v >= 1) {
                assertThat(current.leaderEpoch()).isEqualTo(LATER_EPOCH);
                assertThat(between.leaderEpoch()).isEqualTo(LocalLeader.LEADER_EPOCH);
                assertThat(first.leaderEpoch()).isEqualTo(LocalLeader.LEADER_EPOCH);
            }
        }
    }

    @Test
    void anEpochBeforeTheFirstEndsAtTheFirstEntryAndAnEpochAfterTheLastIsUndefined() throws Exception {
        EpochEndOffset before = lookup((short) 4, TP, NO_CHECK, 2);
        EpochEndOffset after = lookup((short) 4, TP, NO_CHECK, 9);

        assertThat(before.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(before.leaderEpoch()).isEqualTo(2);
        assertThat(before.endOffset()).isZero();
        assertThat(after.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(after.leaderEpoch()).isEqualTo(-1);
        assertThat(after.endOffset()).isEqualTo(-1L);
    }

    @Test
    void theCurrentLeaderEpochFencesOlderAndNewerCallers() throws Exception {
        assertThat(lookup((short) 4, TP, LocalLeader.LEADER_EPOCH, LocalLeader.LEADER_EPOCH)
                        .errorCode())
                .isEqualTo(Errors.FENCED_LEADER_EPOCH.code());
        assertThat(lookup((short) 4, TP, LATER_EPOCH + 1, LocalLeader.LEADER_EPOCH)
                        .errorCode())
                .isEqualTo(Errors.UNKNOWN_LEADER_EPOCH.code());
        EpochEndOffset current = lookup((short) 4, TP, LATER_EPOCH, LocalLeader.LEADER_EPOCH);
        assertThat(current.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(current.endOffset()).isEqualTo(3L);
    }

    @Test
    void partitionsNotLedHereUnknownOrNamedTwiceGetTheirErrors() throws Exception {
        assertThat(lookup((short) 4, LocalLeader.ELSEWHERE, NO_CHECK, 1).errorCode())
                .isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER.code());
        EpochEndOffset unknown = lookup((short) 4, new TopicPartition("nope", 0), NO_CHECK, 1);
        assertThat(unknown.errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(unknown.endOffset()).isEqualTo(-1L);

        OffsetForLeaderEpochRequestData twice = new OffsetForLeaderEpochRequestData().setReplicaId(CONSUMER);
        OffsetForLeaderTopic topic = new OffsetForLeaderTopic().setTopic(TP.topic());
        topic.partitions().add(partition(TP, NO_CHECK, LATER_EPOCH));
        topic.partitions().add(partition(TP, NO_CHECK, LATER_EPOCH));
        twice.topics().add(topic);
        OffsetsForLeaderEpochResponse response = send((short) 4, twice);
        assertThat(response.data().topics().iterator().next().partitions())
                .extracting(EpochEndOffset::errorCode)
                .containsExactly(Errors.INVALID_REQUEST.code(), Errors.INVALID_REQUEST.code());
    }

    private EpochEndOffset lookup(short version, TopicPartition tp, int currentLeaderEpoch, int leaderEpoch)
            throws Exception {
        OffsetForLeaderEpochRequestData request = new OffsetForLeaderEpochRequestData().setReplicaId(CONSUMER);
        OffsetForLeaderTopic topic = new OffsetForLeaderTopic().setTopic(tp.topic());
        topic.partitions().add(partition(tp, currentLeaderEpoch, leaderEpoch));
        request.topics().add(topic);
        OffsetsForLeaderEpochResponse response = send(version, request);
        assertThat(response.data().topics()).hasSize(1);
        assertThat(response.data().topics().iterator().next().partitions()).hasSize(1);
        return response.data().topics().iterator().next().partitions().get(0);
    }

    private static OffsetForLeaderPartition partition(TopicPartition tp, int currentLeaderEpoch, int leaderEpoch) {
        return new OffsetForLeaderPartition()
                .setPartition(tp.partition())
                .setCurrentLeaderEpoch(currentLeaderEpoch)
                .setLeaderEpoch(leaderEpoch);
    }

    private OffsetsForLeaderEpochResponse send(short version, OffsetForLeaderEpochRequestData request)
            throws Exception {
        return LocalLeader.roundTrip(
                ApiKeys.OFFSET_FOR_LEADER_EPOCH,
                version,
                handler.handle(ControlRequests.context(ApiKeys.OFFSET_FOR_LEADER_EPOCH, version), request));
    }
}
