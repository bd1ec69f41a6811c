package io.sluice.broker.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.fetch.FetchSessionMetrics.Kind;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchRequestData.ForgottenTopic;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;

class FetchSessionsTest {
    private static final Uuid TOPIC_ID = Uuid.randomUuid();
    private static final short V16 = 16;
    private static final short V12 = 12;

    private final FetchSessionCache cache =
            new FetchSessionCache(10, 120_000L, Clock.systemUTC(), new Random(1), FetchSessionMetrics.NOOP);
    private final FetchSessions sessions = new FetchSessions(1, cache, FetchSessionMetrics.NOOP);

    private static FetchRequestData request(int sessionId, int epoch, int... partitionsAndOffsets) {
        FetchTopic topic = new FetchTopic().setTopic("t").setTopicId(TOPIC_ID);
        for (int i = 0; i < partitionsAndOffsets.length; i += 2) {
            topic.partitions()
                    .add(new FetchPartition()
                            .setPartition(partitionsAndOffsets[i])
                            .setFetchOffset(partitionsAndOffsets[i + 1])
                            .setPartitionMaxBytes(1024));
        }
        FetchRequestData request =
                new FetchRequestData().setSessionId(sessionId).setSessionEpoch(epoch);
        if (!topic.partitions().isEmpty()) {
            request.topics().add(topic);
        }
        return request;
    }

    private static PartitionData answer(int partition, long hw, boolean withRecords) {
        return new PartitionData()
                .setPartitionIndex(partition)
                .setHighWatermark(hw)
                .setLastStableOffset(hw)
                .setLogStartOffset(0L)
                .setRecords(
                        withRecords
                                ? MemoryRecords.withRecords(
                                        org.apache.kafka.common.compress.Compression.NONE,
                                        new SimpleRecord("v".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                                : MemoryRecords.EMPTY);
    }

    private static List<PartitionData> answers(List<FetchEntry> entries, long hw) {
        List<PartitionData> out = new ArrayList<>();
        for (FetchEntry e : entries) {
            out.add(answer(e.key().partition(), hw, false));
        }
        return out;
    }

    /** A full fetch of partitions 0..2 that creates a session; returns its id. */
    private int createSession() {
        FetchContext full = sessions.newContext(request(0, 0, 0, 0, 1, 0, 2, 0), V16, false);
        assertThat(full.kind()).isEqualTo(Kind.FULL);
        FetchContext.Outcome outcome = full.complete(answers(full.entries(), 10L));
        assertThat(outcome.sessionId()).isNotZero();
        assertThat(outcome.included()).containsOnly(true);
        return outcome.sessionId();
    }

    @Test
    void anIncrementalFetchReadsTheWholeSessionAndAnswersOnlyWhatChanged() {
        int id = createSession();

        // the client moved partition 0 on; nothing else named
        FetchContext inc = sessions.newContext(request(id, 1, 0, 7), V16, false);
        assertThat(inc.kind()).isEqualTo(Kind.INCREMENTAL);
        assertThat(inc.entries()).extracting(e -> e.key().partition()).containsExactly(0, 1, 2);
        assertThat(inc.entries().get(0).fetchOffset()).isEqualTo(7L);
        assertThat(inc.entries().get(1).fetchOffset()).isZero();

        List<PartitionData> data = new ArrayList<>();
        data.add(answer(0, 10L, true)); // records
        data.add(answer(1, 10L, false)); // unchanged
        data.add(answer(2, 11L, false)); // high watermark moved
        FetchContext.Outcome outcome = inc.complete(data);

        assertThat(outcome.error()).isEqualTo(Errors.NONE);
        assertThat(outcome.sessionId()).isEqualTo(id);
        assertThat(outcome.included()).containsExactly(true, false, true);
        // answered partitions move to the end of the fetch order
        assertThat(cache.get(id).orElseThrow().entries())
                .extracting(e -> e.key().partition())
                .containsExactly(1, 0, 2);

        // next epoch (order 1, 0, 2): an error is always answered and resets the remembered high watermark, so the
        // partition is answered again once the error is gone
        FetchContext next = sessions.newContext(request(id, 2), V16, false);
        List<PartitionData> second = new ArrayList<>();
        second.add(answer(1, 10L, false).setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code()));
        second.add(answer(0, 10L, false));
        second.add(answer(2, 11L, false));
        assertThat(next.complete(second).included()).containsExactly(true, false, false);
        FetchContext third = sessions.newContext(request(id, 3), V16, false);
        assertThat(third.entries()).extracting(e -> e.key().partition()).containsExactly(0, 2, 1);
        List<PartitionData> recovered = List.of(answer(0, 10L, false), answer(2, 11L, false), answer(1, 10L, false));
        assertThat(third.complete(recovered).included()).containsExactly(false, false, true);
    }

    @Test
    void epochsMustFollowOneAnother() {
        int id = createSession();

        FetchContext stale = sessions.newContext(request(id, 5), V16, false);
        assertThat(stale.error()).isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH);

        FetchContext ok = sessions.newContext(request(id, 1), V16, false);
        assertThat(ok.kind()).isEqualTo(Kind.INCREMENTAL);
        ok.complete(answers(ok.entries(), 10L));
        FetchContext replay = sessions.newContext(request(id, 1), V16, false);
        assertThat(replay.error()).isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH);
        assertThat(sessions.newContext(request(id, 2), V16, false).kind()).isEqualTo(Kind.INCREMENTAL);
    }

    @Test
    void aContextWhoseSessionMovedOnMeanwhileAnswersInvalidEpoch() {
        int id = createSession();
        FetchContext first = sessions.newContext(request(id, 1), V16, false);
        FetchContext second = sessions.newContext(request(id, 2), V16, false);

        assertThat(first.complete(answers(first.entries(), 10L)).error()).isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH);
        assertThat(second.complete(answers(second.entries(), 10L)).error()).isEqualTo(Errors.NONE);
    }

    @Test
    void unknownSessionsAndIncrementalFetchesWithoutSessionAreErrors() {
        assertThat(sessions.newContext(request(12345, 1), V16, false).error())
                .isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);
        assertThat(sessions.newContext(request(0, 3), V16, false).error())
                .isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH);
    }

    @Test
    void aSessionMadeWithTopicIdsRefusesRequestsByName() {
        int id = createSession();
        assertThat(sessions.newContext(request(id, 1), V12, false).error())
                .isEqualTo(Errors.FETCH_SESSION_TOPIC_ID_ERROR);
    }

    @Test
    void forgottenTopicsLeaveTheSessionAndTheLastOneClosesIt() {
        int id = createSession();
        FetchRequestData forget = request(id, 1);
        forget.forgottenTopicsData()
                .add(new ForgottenTopic().setTopic("t").setTopicId(TOPIC_ID).setPartitions(List.of(0, 2)));

        FetchContext inc = sessions.newContext(forget, V16, false);
        assertThat(inc.entries()).extracting(e -> e.key().partition()).containsExactly(1);
        inc.complete(answers(inc.entries(), 10L));

        FetchRequestData forgetAll = request(id, 2);
        forgetAll
                .forgottenTopicsData()
                .add(new ForgottenTopic().setTopic("t").setTopicId(TOPIC_ID).setPartitions(List.of(1)));
        FetchContext last = sessions.newContext(forgetAll, V16, false);
        assertThat(last.kind()).isEqualTo(Kind.SESSIONLESS);
        assertThat(cache.get(id)).isEmpty();
    }

    @Test
    void aFullFetchNamingASessionClosesItAndTheFinalEpochCreatesNone() {
        int id = createSession();

        FetchContext fin = sessions.newContext(request(id, -1, 0, 3), V16, false);
        assertThat(fin.kind()).isEqualTo(Kind.SESSIONLESS);
        assertThat(fin.complete(answers(fin.entries(), 10L)).sessionId()).isZero();
        assertThat(cache.get(id)).isEmpty();

        int again = createSession();
        FetchContext restart = sessions.newContext(request(again, 0, 0, 3), V16, false);
        assertThat(cache.get(again)).isEmpty();
        int replaced = restart.complete(answers(restart.entries(), 10L)).sessionId();
        assertThat(replaced).isNotZero().isNotEqualTo(again);
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void newPartitionsJoinTheSessionAndAreAnswered() {
        int id = createSession();
        FetchContext inc = sessions.newContext(request(id, 1, 5, 0), V16, false);
        assertThat(inc.entries()).extracting(e -> e.key().partition()).containsExactly(0, 1, 2, 5);

        FetchContext.Outcome outcome = inc.complete(answers(inc.entries(), 10L));
        assertThat(outcome.included()).containsExactly(false, false, false, true);
    }
}
