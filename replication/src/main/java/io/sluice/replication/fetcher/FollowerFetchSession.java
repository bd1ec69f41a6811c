package io.sluice.replication.fetcher;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchRequestData.ForgottenTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * The follower's side of an incremental fetch session with one leader (KIP-227, docs/design.md#fetch-sessions):
 * remembers what the leader's session holds, so that a fetch names only the partitions whose fetch position changed
 * (or that joined) and forgets those the follower stopped fetching. The leader then reads every partition of the
 * session and answers only those with news.
 *
 * <pre>
 *   no session --full fetch, epoch 0--> answer with id != 0 --> session (epoch 1)
 *        ^                        \--> answer with id 0 (leader's cache full): stay without session, retry next time
 *        |
 *        +-- failed fetch, top-level error, or an answer naming another session: next fetch is full (epoch 0,
 *            naming the old id, which the leader closes)
 *   session --incremental fetch, epoch N--> answer with the session's id --> epoch N+1
 * </pre>
 *
 * <p>Not thread-safe: owned by one fetcher thread (used under its lock).
 */
final class FollowerFetchSession {
    static final int INVALID_SESSION_ID = 0;
    static final int INITIAL_EPOCH = 0;

    /** The fetch fields the leader's session remembers of a partition. */
    record Sent(long fetchOffset, long logStartOffset, int maxBytes, int currentLeaderEpoch, int lastFetchedEpoch) {
        static Sent of(FetchPartition p) {
            return new Sent(
                    p.fetchOffset(),
                    p.logStartOffset(),
                    p.partitionMaxBytes(),
                    p.currentLeaderEpoch(),
                    p.lastFetchedEpoch());
        }
    }

    /** What one built request sends and what the session will hold once the leader accepts it. */
    record Built(FetchRequestData request, boolean incremental, Map<TopicPartition, Sent> next, int partitionsSent) {}

    private final boolean enabled;
    private int sessionId = INVALID_SESSION_ID;
    private int epoch = INITIAL_EPOCH;
    /** What the leader's session holds, in its order; empty without a session. */
    private Map<TopicPartition, Sent> partitions = new LinkedHashMap<>();

    /** @param enabled false keeps every fetch sessionless (session id 0, epoch -1), as before sessions existed */
    FollowerFetchSession(boolean enabled) {
        this.enabled = enabled;
    }

    int sessionId() {
        return sessionId;
    }

    int epoch() {
        return epoch;
    }

    /**
     * Sets the session id and epoch of {@code request}, whose topics name every partition the follower wants now,
     * and leaves in it only what the leader's session needs to hear: new or changed partitions and, as forgotten
     * topics, the partitions the session holds that are not wanted any more.
     */
    Built build(FetchRequestData request) {
        Map<TopicPartition, Sent> wanted = new LinkedHashMap<>();
        for (FetchTopic topic : request.topics()) {
            for (FetchPartition p : topic.partitions()) {
                wanted.put(new TopicPartition(topic.topic(), p.partition()), Sent.of(p));
            }
        }
        if (!enabled) {
            request.setSessionId(INVALID_SESSION_ID).setSessionEpoch(-1);
            return new Built(request, false, wanted, wanted.size());
        }
        if (sessionId == INVALID_SESSION_ID || epoch == INITIAL_EPOCH) {
            request.setSessionId(sessionId).setSessionEpoch(INITIAL_EPOCH);
            return new Built(request, false, wanted, wanted.size());
        }
        List<FetchTopic> changed = new ArrayList<>();
        int sent = 0;
        for (FetchTopic topic : request.topics()) {
            FetchTopic out = null;
            for (FetchPartition p : topic.partitions()) {
                Sent before = partitions.get(new TopicPartition(topic.topic(), p.partition()));
                if (Sent.of(p).equals(before)) {
                    continue;
                }
                if (out == null) {
                    out = new FetchTopic().setTopic(topic.topic()).setTopicId(topic.topicId());
                    changed.add(out);
                }
                out.partitions().add(p);
                sent++;
            }
        }
        Map<String, ForgottenTopic> forgotten = new HashMap<>();
        List<ForgottenTopic> forgottenList = new ArrayList<>();
        for (TopicPartition tp : partitions.keySet()) {
            if (!wanted.containsKey(tp)) {
                forgotten
                        .computeIfAbsent(tp.topic(), t -> {
                            ForgottenTopic f = new ForgottenTopic().setTopic(t);
                            forgottenList.add(f);
                            return f;
                        })
                        .partitions()
                        .add(tp.partition());
            }
        }
        request.setSessionId(sessionId)
                .setSessionEpoch(epoch)
                .setTopics(changed)
                .setForgottenTopicsData(forgottenList);
        return new Built(request, true, wanted, sent);
    }

    /** The leader answered {@code built} (top-level error NONE or not). */
    void onResponse(Built built, FetchResponseData response) {
        if (!enabled) {
            return;
        }
        if (response.errorCode() != Errors.NONE.code()) {
            reset();
            return;
        }
        if (!built.incremental()) {
            sessionId = response.sessionId();
            if (sessionId == INVALID_SESSION_ID) {
                epoch = INITIAL_EPOCH;
                partitions = new LinkedHashMap<>();
            } else {
                epoch = 1;
                partitions = new LinkedHashMap<>(built.next());
            }
            return;
        }
        if (response.sessionId() != sessionId) {
            reset();
            return;
        }
        epoch = epoch == Integer.MAX_VALUE ? 1 : epoch + 1;
        partitions = new LinkedHashMap<>(built.next());
    }

    /** The fetch failed (no answer): the leader may or may not have moved the session on, so start again. */
    void onFailure() {
        if (enabled) {
            reset();
        }
    }

    /** Whether {@code error} says the leader lost or refused the session (retry with a full fetch at once). */
    static boolean isSessionError(Errors error) {
        return error == Errors.FETCH_SESSION_ID_NOT_FOUND
                || error == Errors.INVALID_FETCH_SESSION_EPOCH
                || error == Errors.FETCH_SESSION_TOPIC_ID_ERROR;
    }

    /** Next fetch is full, naming the old session (if any) so the leader closes it. */
    private void reset() {
        epoch = INITIAL_EPOCH;
        partitions = new LinkedHashMap<>();
    }

    @Override
    public String toString() {
        return "FollowerFetchSession{id=" + sessionId + ", epoch=" + epoch + ", partitions=" + partitions.size() + "}";
    }
}
