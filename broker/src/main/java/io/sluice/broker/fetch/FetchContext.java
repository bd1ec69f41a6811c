package io.sluice.broker.fetch;

import io.sluice.broker.fetch.FetchSessionMetrics.Kind;
import java.util.LinkedHashMap;
import java.util.List;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;

/**
 * The session side of one Fetch request, made by {@link FetchSessions#newContext}: which partitions to read ({@link
 * #entries()}), and, once they were read, which of them the response carries and under which session id ({@link
 * #complete}).
 *
 * <ul>
 *   <li>{@link Kind#ERROR}: a session error for the whole request ({@link #error()}); nothing is read.
 *   <li>{@link Kind#SESSIONLESS}: the request's partitions, all answered, session id 0.
 *   <li>{@link Kind#FULL}: the request's partitions, all answered; a new session over them is created with the
 *       answered offsets if the cache has room, and its id sent.
 *   <li>{@link Kind#INCREMENTAL}: every partition of the session (the request's changes applied); the response
 *       carries only those whose answer differs from what the session last sent.
 * </ul>
 *
 * <p>Concurrency: used by one request at a time (the thread that handles the request, then the one completing it).
 */
public final class FetchContext {

    /** How {@link #complete} answered: the error for the whole response, the session id, the partitions carried. */
    public record Outcome(Errors error, int sessionId, boolean[] included) {}

    private final Kind kind;
    private final Errors error;
    private final boolean usesTopicIds;
    private final boolean privileged;
    private final List<FetchEntry> entries;
    private final FetchSessionCache cache;
    private final FetchSession session;
    private final int expectedEpoch;

    private FetchContext(
            Kind kind,
            Errors error,
            boolean usesTopicIds,
            boolean privileged,
            List<FetchEntry> entries,
            FetchSessionCache cache,
            FetchSession session,
            int expectedEpoch) {
        this.kind = kind;
        this.error = error;
        this.usesTopicIds = usesTopicIds;
        this.privileged = privileged;
        this.entries = entries;
        this.cache = cache;
        this.session = session;
        this.expectedEpoch = expectedEpoch;
    }

    static FetchContext error(Errors error, boolean usesTopicIds) {
        return new FetchContext(Kind.ERROR, error, usesTopicIds, false, List.of(), null, null, 0);
    }

    static FetchContext sessionless(boolean usesTopicIds, List<FetchEntry> entries) {
        return new FetchContext(Kind.SESSIONLESS, Errors.NONE, usesTopicIds, false, entries, null, null, 0);
    }

    static FetchContext full(
            boolean usesTopicIds, boolean privileged, List<FetchEntry> entries, FetchSessionCache cache) {
        return new FetchContext(Kind.FULL, Errors.NONE, usesTopicIds, privileged, entries, cache, null, 0);
    }

    static FetchContext incremental(boolean usesTopicIds, FetchSession session, int expectedEpoch) {
        return new FetchContext(
                Kind.INCREMENTAL,
                Errors.NONE,
                usesTopicIds,
                session.privileged(),
                session.entries(),
                null,
                session,
                expectedEpoch);
    }

    public Kind kind() {
        return kind;
    }

    /** {@link Errors#NONE} unless the request fails as a whole. */
    public Errors error() {
        return error;
    }

    /** Whether partitions are named by topic id (Fetch v13+). */
    public boolean usesTopicIds() {
        return usesTopicIds;
    }

    /** The partitions to read, in response order. */
    public List<FetchEntry> entries() {
        return entries;
    }

    /**
     * Takes the answer of every partition of {@link #entries()} (same order) and decides what the response carries.
     * For a full request this is when the new session is made; for an incremental one the session remembers what
     * is sent. An incremental session that moved on meanwhile (another request with the same epoch) answers {@code
     * INVALID_FETCH_SESSION_EPOCH}.
     */
    public Outcome complete(List<PartitionData> answers) {
        if (answers.size() != entries.size()) {
            throw new IllegalArgumentException(answers.size() + " answers for " + entries.size() + " partitions");
        }
        switch (kind) {
            case ERROR:
                return new Outcome(error, FetchSessionCache.INVALID_SESSION_ID, new boolean[0]);
            case SESSIONLESS:
                return new Outcome(Errors.NONE, FetchSessionCache.INVALID_SESSION_ID, all(entries.size()));
            case FULL:
                return new Outcome(Errors.NONE, createSession(answers), all(entries.size()));
            case INCREMENTAL:
                return incremental(answers);
        }
        throw new IllegalStateException("unknown kind " + kind);
    }

    private int createSession(List<PartitionData> answers) {
        if (entries.isEmpty()) {
            return FetchSessionCache.INVALID_SESSION_ID;
        }
        LinkedHashMap<PartitionKey, CachedPartition> partitions = new LinkedHashMap<>(entries.size() * 2);
        for (int i = 0; i < entries.size(); i++) {
            FetchEntry entry = entries.get(i);
            CachedPartition cached = new CachedPartition(entry);
            cached.maybeUpdate(answers.get(i), true);
            partitions.put(entry.key(), cached);
        }
        return cache.maybeCreate(privileged, usesTopicIds, partitions);
    }

    private Outcome incremental(List<PartitionData> answers) {
        boolean[] included = new boolean[entries.size()];
        synchronized (session) {
            if (session.epoch() != expectedEpoch) {
                return new Outcome(
                        Errors.INVALID_FETCH_SESSION_EPOCH, FetchSessionCache.INVALID_SESSION_ID, new boolean[0]);
            }
            for (int i = 0; i < entries.size(); i++) {
                PartitionKey key = entries.get(i).key();
                CachedPartition cached = session.partition(key);
                if (cached != null && cached.maybeUpdate(answers.get(i), true)) {
                    included[i] = true;
                    session.moveToEnd(key);
                }
            }
        }
        return new Outcome(Errors.NONE, session.id(), included);
    }

    private static boolean[] all(int n) {
        boolean[] out = new boolean[n];
        java.util.Arrays.fill(out, true);
        return out;
    }
}
