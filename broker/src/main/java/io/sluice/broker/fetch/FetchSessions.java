package io.sluice.broker.fetch;

import io.sluice.broker.fetch.FetchSessionMetrics.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchRequestData.ForgottenTopic;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a Fetch request's session id and epoch into a {@link FetchContext}, as Kafka's fetch manager does
 * (docs/design.md#fetch-sessions):
 *
 * <ul>
 *   <li>epoch -1 ({@code FINAL_EPOCH}): sessionless full fetch; a session the request names is closed;
 *   <li>epoch 0 ({@code INITIAL_EPOCH}): full fetch that asks for a new session; a session the request names is
 *       closed first;
 *   <li>any other epoch: incremental fetch of the session the request names. An unknown id gets {@code
 *       FETCH_SESSION_ID_NOT_FOUND}, a wrong epoch (or session id 0) {@code INVALID_FETCH_SESSION_EPOCH}, a request
 *       naming topics by id in a session made with names (or the reverse) {@code FETCH_SESSION_TOPIC_ID_ERROR}.
 *       Otherwise the request's partitions are added or updated, its forgotten topics removed, the session's epoch
 *       advances and the whole session is read. A session left without partitions is closed and the request served
 *       sessionless.
 * </ul>
 *
 * <p>Thread-safety: safe for concurrent use (see {@link FetchSessionCache} and {@link FetchSession}).
 */
public final class FetchSessions {
    private static final Logger log = LoggerFactory.getLogger(FetchSessions.class);
    /** First Fetch version that names topics by id. */
    public static final short TOPIC_IDS_VERSION = 13;

    private final FetchSessionCache cache;
    private final FetchSessionMetrics metrics;
    private final String logPrefix;

    public FetchSessions(int brokerId, FetchSessionCache cache, FetchSessionMetrics metrics) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.logPrefix = "[FetchSessions broker=" + brokerId + "] ";
    }

    /** A cache with no slot: every fetch is sessionless (the behaviour of a broker without sessions). */
    public static FetchSessions disabled() {
        return new FetchSessions(
                -1,
                new FetchSessionCache(
                        0,
                        FetchSessionCache.DEFAULT_EVICTION_MS,
                        java.time.Clock.systemUTC(),
                        new java.util.Random(),
                        FetchSessionMetrics.NOOP),
                FetchSessionMetrics.NOOP);
    }

    public FetchSessionCache cache() {
        return cache;
    }

    public FetchContext newContext(FetchRequestData request, short version, boolean fromFollower) {
        boolean usesTopicIds = version >= TOPIC_IDS_VERSION;
        List<FetchEntry> named = entries(request, usesTopicIds);
        int sessionId = request.sessionId();
        int epoch = request.sessionEpoch();
        FetchContext context = context(request, usesTopicIds, fromFollower, named, sessionId, epoch);
        metrics.request(context.kind(), fromFollower, named.size());
        if (context.kind() == Kind.ERROR) {
            log.debug("{}Fetch with session {} epoch {}: {}", logPrefix, sessionId, epoch, context.error());
        }
        return context;
    }

    private FetchContext context(
            FetchRequestData request,
            boolean usesTopicIds,
            boolean fromFollower,
            List<FetchEntry> named,
            int sessionId,
            int epoch) {
        if (epoch == FetchSessionCache.FINAL_EPOCH || epoch == FetchSessionCache.INITIAL_EPOCH) {
            if (sessionId != FetchSessionCache.INVALID_SESSION_ID
                    && cache.remove(sessionId).isPresent()) {
                log.debug("{}Closed fetch session {} on a full fetch with epoch {}", logPrefix, sessionId, epoch);
            }
            return epoch == FetchSessionCache.FINAL_EPOCH || cache.maxSlots() == 0
                    ? FetchContext.sessionless(usesTopicIds, named)
                    : FetchContext.full(usesTopicIds, fromFollower, named, cache);
        }
        if (sessionId == FetchSessionCache.INVALID_SESSION_ID) {
            return FetchContext.error(Errors.INVALID_FETCH_SESSION_EPOCH, usesTopicIds);
        }
        Optional<FetchSession> found = cache.get(sessionId);
        if (found.isEmpty()) {
            return FetchContext.error(Errors.FETCH_SESSION_ID_NOT_FOUND, usesTopicIds);
        }
        FetchSession session = found.get();
        synchronized (session) {
            if (session.epoch() != epoch) {
                return FetchContext.error(Errors.INVALID_FETCH_SESSION_EPOCH, usesTopicIds);
            }
            if (session.usesTopicIds() != usesTopicIds) {
                return FetchContext.error(Errors.FETCH_SESSION_TOPIC_ID_ERROR, usesTopicIds);
            }
            session.update(named, forgotten(request, usesTopicIds));
            if (session.size() == 0) {
                cache.remove(sessionId);
                log.debug("{}Closed fetch session {}: no partition left", logPrefix, sessionId);
                return FetchContext.sessionless(usesTopicIds, named);
            }
            cache.touch(session);
            session.advanceEpoch();
            return FetchContext.incremental(usesTopicIds, session, session.epoch());
        }
    }

    private static List<FetchEntry> entries(FetchRequestData request, boolean usesTopicIds) {
        List<FetchEntry> out = new ArrayList<>();
        for (FetchTopic topic : request.topics()) {
            for (FetchPartition p : topic.partitions()) {
                out.add(new FetchEntry(
                        PartitionKey.of(usesTopicIds, topic.topicId(), topic.topic(), p.partition()),
                        p.fetchOffset(),
                        p.logStartOffset(),
                        p.partitionMaxBytes(),
                        p.currentLeaderEpoch(),
                        p.lastFetchedEpoch()));
            }
        }
        return out;
    }

    private static List<PartitionKey> forgotten(FetchRequestData request, boolean usesTopicIds) {
        List<PartitionKey> out = new ArrayList<>();
        for (ForgottenTopic topic : request.forgottenTopicsData()) {
            for (int partition : topic.partitions()) {
                out.add(PartitionKey.of(usesTopicIds, topic.topicId(), topic.topic(), partition));
            }
        }
        return out;
    }
}
