package io.sluice.replication.fetcher;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class FollowerFetchSessionTest {

    /** A request wanting partitions 0..n-1 of topic t at the given offsets. */
    private static FetchRequestData wanting(long... offsets) {
        FetchTopic topic = new FetchTopic().setTopic("t");
        for (int p = 0; p < offsets.length; p++) {
            if (offsets[p] >= 0) {
                topic.partitions()
                        .add(new FetchPartition()
                                .setPartition(p)
                                .setFetchOffset(offsets[p])
                                .setCurrentLeaderEpoch(3)
                                .setPartitionMaxBytes(1024));
            }
        }
        FetchRequestData request = new FetchRequestData();
        request.topics().add(topic);
        return request;
    }

    private static FetchResponseData answer(int sessionId, Errors error) {
        return new FetchResponseData().setSessionId(sessionId).setErrorCode(error.code());
    }

    private static int partitionsIn(FetchRequestData request) {
        return request.topics().stream().mapToInt(t -> t.partitions().size()).sum();
    }

    @Test
    void afterAFullFetchOnlyChangedPartitionsAreSentAndDroppedOnesForgotten() {
        FollowerFetchSession session = new FollowerFetchSession(true);

        FollowerFetchSession.Built full = session.build(wanting(0, 0, 0));
        assertThat(full.incremental()).isFalse();
        assertThat(full.request().sessionId()).isZero();
        assertThat(full.request().sessionEpoch()).isZero();
        assertThat(partitionsIn(full.request())).isEqualTo(3);
        session.onResponse(full, answer(77, Errors.NONE));

        // partition 1 advanced, partition 2 no longer wanted
        FollowerFetchSession.Built inc = session.build(wanting(0, 5, -1));
        assertThat(inc.incremental()).isTrue();
        assertThat(inc.request().sessionId()).isEqualTo(77);
        assertThat(inc.request().sessionEpoch()).isEqualTo(1);
        assertThat(inc.request().topics()).hasSize(1);
        assertThat(inc.request().topics().get(0).partitions())
                .extracting(FetchPartition::partition)
                .containsExactly(1);
        assertThat(inc.request().forgottenTopicsData()).hasSize(1);
        assertThat(inc.request().forgottenTopicsData().get(0).partitions()).containsExactly(2);
        session.onResponse(inc, answer(77, Errors.NONE));

        FollowerFetchSession.Built idle = session.build(wanting(0, 5, -1));
        assertThat(idle.request().sessionEpoch()).isEqualTo(2);
        assertThat(idle.request().topics()).isEmpty();
        assertThat(idle.request().forgottenTopicsData()).isEmpty();
    }

    @Test
    void aSessionErrorOrAFailedFetchStartsOverWithAFullFetchNamingTheOldSession() {
        FollowerFetchSession session = new FollowerFetchSession(true);
        session.onResponse(session.build(wanting(0, 0)), answer(9, Errors.NONE));

        FollowerFetchSession.Built inc = session.build(wanting(1, 0));
        session.onResponse(inc, answer(0, Errors.FETCH_SESSION_ID_NOT_FOUND));
        FollowerFetchSession.Built again = session.build(wanting(1, 0));
        assertThat(again.incremental()).isFalse();
        assertThat(again.request().sessionId()).isEqualTo(9);
        assertThat(again.request().sessionEpoch()).isZero();
        assertThat(partitionsIn(again.request())).isEqualTo(2);

        session.onResponse(again, answer(10, Errors.NONE));
        session.build(wanting(2, 0));
        session.onFailure();
        FollowerFetchSession.Built afterFailure = session.build(wanting(2, 0));
        assertThat(afterFailure.incremental()).isFalse();
        assertThat(afterFailure.request().sessionId()).isEqualTo(10);
    }

    @Test
    void aLeaderWithoutRoomForSessionsGetsFullFetchesAndDisabledSessionsAreSessionless() {
        FollowerFetchSession session = new FollowerFetchSession(true);
        session.onResponse(session.build(wanting(0)), answer(0, Errors.NONE));
        FollowerFetchSession.Built next = session.build(wanting(0));
        assertThat(next.incremental()).isFalse();
        assertThat(next.request().sessionEpoch()).isZero();

        FollowerFetchSession off = new FollowerFetchSession(false);
        FollowerFetchSession.Built sessionless = off.build(wanting(0));
        off.onResponse(sessionless, answer(5, Errors.NONE));
        assertThat(off.build(wanting(0)).request().sessionEpoch()).isEqualTo(-1);
    }

    @Test
    void anAnswerNamingAnotherSessionResetsIt() {
        FollowerFetchSession session = new FollowerFetchSession(true);
        session.onResponse(session.build(wanting(0)), answer(4, Errors.NONE));
        FollowerFetchSession.Built inc = session.build(wanting(1));
        session.onResponse(inc, answer(5, Errors.NONE));
        assertThat(session.build(wanting(1)).incremental()).isFalse();
    }
}
