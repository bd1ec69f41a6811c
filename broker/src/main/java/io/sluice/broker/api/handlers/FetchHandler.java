package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.fetch.FetchContext;
import io.sluice.broker.fetch.FetchEntry;
import io.sluice.broker.fetch.FetchSessions;
import io.sluice.broker.fetch.PartitionKey;
import io.sluice.broker.fetch.PreferredReadReplicas;
import io.sluice.broker.metrics.TopicMetrics;
import io.sluice.broker.network.FileRecordsSlice;
import io.sluice.replication.epoch.EpochEndOffset;
import io.sluice.replication.log.FileSlice;
import io.sluice.replication.log.index.AbortedTxn;
import io.sluice.replication.partition.FetchIsolation;
import io.sluice.replication.partition.FetchParams;
import io.sluice.replication.partition.PartitionFetch;
import io.sluice.replication.partition.ReadResult;
import io.sluice.replication.purgatory.Cancellable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.replica.ClientMetadata;
import org.apache.kafka.common.requests.FetchMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers Fetch v4-v16 from consumers and follower replicas (docs/design.md#reads-below-hw, docs/design.md#zero-copy-fetch), with the log's bytes sent by
 * {@code sendfile}: each partition's records are a {@link FileRecordsSlice} over the segment file, never a copy.
 *
 * <ul>
 *   <li><b>Who fetches</b>: {@code replicaId} (v4-v14) or {@code replicaState.replicaId} (v15+) ≥ 0 is a follower
 *       and reads to the log end; anyone else is a consumer and reads below the high watermark. READ_COMMITTED is
 *       the same as READ_UNCOMMITTED (no transactions: the last stable offset is the high watermark).
 *   <li><b>Follower broker epoch</b> (v15+): {@code replicaState.replicaEpoch}, the follower's broker epoch, goes
 *       to the replica manager, which names it when it proposes adding the follower to the ISR, so that the
 *       controller refuses a follower that re-registered since that fetch (KIP-903). Before v15 it is unknown (-1).
 *   <li><b>Topic ids</b> (v13+): topics are named by id and resolved through the metadata; an unknown id gets
 *       {@code UNKNOWN_TOPIC_ID} for each of its partitions. Older versions name topics.
 *   <li><b>Fetch sessions</b> (KIP-227, docs/design.md#fetch-sessions): {@link FetchSessions} decides from the
 *       session id and epoch which partitions are read (an incremental request reads every partition of its session)
 *       and which the response carries (an incremental response only those whose answer changed). With no cache
 *       slot ({@code max.incremental.fetch.session.cache.slots=0}, or the constructors without sessions) every
 *       answer has session id 0 and clients send full fetches.
 *   <li><b>Long poll</b>: {@code maxWaitMs}/{@code minBytes} wait in the replica manager's purgatory, which calls back
 *       later; {@code maxBytes} and {@code partitionMaxBytes} bound the response (the first batch is always whole). A
 *       fetch still waiting when its connection closes leaves the purgatory at once (its request is cancelled).
 *   <li><b>Per partition</b>: error, high watermark, last stable offset and log start offset (also filled for
 *       {@code OFFSET_OUT_OF_RANGE}, so followers and consumers can reset), diverging epoch (v12+, followers whose
 *       last fetched epoch diverges), preferred read replica (see below, else -1), aborted transactions for
 *       read_committed. A partition the metadata
 *       knows but this broker does not host is {@code NOT_LEADER_OR_FOLLOWER}.
 *   <li><b>Follower fetching</b> (KIP-392, docs/design.md#follower-fetching): a v11+ consumer fetch may be answered
 *       by a follower replica, below that follower's high watermark. On the leader, with {@code
 *       replica.selector.class} set, a partition whose selected replica is another broker is answered with that
 *       {@code preferred_read_replica} and no records; the consumer then fetches from it.
 *   <li><b>Not filled</b>: the optional leader hints of v12+/v16 ({@code CurrentLeader}, {@code NodeEndpoints}) are
 *       left at their defaults; clients then refresh their metadata on {@code NOT_LEADER_OR_FOLLOWER}, as with older
 *       versions.
 * </ul>
 *
 * <p>Concurrency: stateless apart from its immutable collaborators; {@link #handle} runs concurrently on request
 * threads ({@link #mayBlock()} is true: reads take partition locks and touch index files). The returned stage
 * completes on the calling thread or on the thread that completes the delayed fetch.
 */
public final class FetchHandler implements ApiHandler<FetchRequestData> {
    private static final Logger log = LoggerFactory.getLogger(FetchHandler.class);
    static final short MIN_VERSION = 4;
    static final short MAX_VERSION = 16;
    private static final short REPLICA_STATE_VERSION = 15;
    private static final long UNKNOWN_BROKER_EPOCH = -1L;
    private static final short DIVERGING_EPOCH_VERSION = 12;
    /** First Fetch version with the consumer's {@code rack_id} and {@code preferred_read_replica} (KIP-392). */
    private static final short RACK_ID_VERSION = 11;

    /**
     * Port onto {@code ReplicaManager#fetchMessages}; the callback runs exactly once, possibly later, unless the
     * returned handle cancels the waiting fetch.
     */
    @FunctionalInterface
    public interface Reader {
        Cancellable fetchMessages(
                FetchParams params, List<PartitionFetch> fetches, Consumer<Map<TopicPartition, ReadResult>> callback);
    }

    private final TopicMetrics topicMetrics;
    private final Reader reader;
    private final Function<Uuid, Optional<String>> topicNames;
    private final Predicate<TopicPartition> knownPartition;
    private final FetchSessions sessions;
    /** Null when no {@code replica.selector.class} is configured. */
    private final PreferredReadReplicas preferredReplicas;

    private final String logPrefix;

    /**
     * @param brokerId this broker's id, for log context
     * @param reader the replica manager's fetch ({@code replicaManager::fetchMessages})
     * @param topicNames the topic name of a topic id, from the cluster metadata (Fetch v13+)
     * @param knownPartition whether the cluster metadata knows the partition
     */
    public FetchHandler(
            int brokerId,
            Reader reader,
            Function<Uuid, Optional<String>> topicNames,
            Predicate<TopicPartition> knownPartition) {
        this(brokerId, reader, topicNames, knownPartition, TopicMetrics.NOOP);
    }

    /** @param topicMetrics counts bytes returned per topic, by consumers and by followers */
    public FetchHandler(
            int brokerId,
            Reader reader,
            Function<Uuid, Optional<String>> topicNames,
            Predicate<TopicPartition> knownPartition,
            TopicMetrics topicMetrics) {
        this(brokerId, reader, topicNames, knownPartition, topicMetrics, FetchSessions.disabled());
    }

    /** @param sessions the broker's fetch sessions (KIP-227) */
    public FetchHandler(
            int brokerId,
            Reader reader,
            Function<Uuid, Optional<String>> topicNames,
            Predicate<TopicPartition> knownPartition,
            TopicMetrics topicMetrics,
            FetchSessions sessions) {
        this(brokerId, reader, topicNames, knownPartition, topicMetrics, sessions, Optional.empty());
    }

    /** @param preferredReplicas the {@code replica.selector.class} choice of read replica (KIP-392), if configured */
    public FetchHandler(
            int brokerId,
            Reader reader,
            Function<Uuid, Optional<String>> topicNames,
            Predicate<TopicPartition> knownPartition,
            TopicMetrics topicMetrics,
            FetchSessions sessions,
            Optional<PreferredReadReplicas> preferredReplicas) {
        this.sessions = Objects.requireNonNull(sessions, "sessions");
        this.preferredReplicas = preferredReplicas.orElse(null);
        this.topicMetrics = Objects.requireNonNull(topicMetrics, "topicMetrics");
        this.reader = Objects.requireNonNull(reader, "reader");
        this.topicNames = Objects.requireNonNull(topicNames, "topicNames");
        this.knownPartition = Objects.requireNonNull(knownPartition, "knownPartition");
        this.logPrefix = "[FetchHandler broker=" + brokerId + "] ";
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.FETCH;
    }

    @Override
    public short minVersion() {
        return MIN_VERSION;
    }

    @Override
    public short maxVersion() {
        return MAX_VERSION;
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, FetchRequestData request) {
        short version = context.apiVersion();
        int replicaId =
                version >= REPLICA_STATE_VERSION ? request.replicaState().replicaId() : request.replicaId();
        FetchContext session = sessions.newContext(request, version, replicaId >= 0);
        if (session.error() != Errors.NONE) {
            log.debug(
                    "{}Fetch from client '{}' with session {} epoch {}: {}",
                    logPrefix,
                    context.clientId(),
                    request.sessionId(),
                    request.sessionEpoch(),
                    session.error());
            return CompletableFuture.completedFuture(ApiResponse.of(errorResponse(session.error())));
        }
        long replicaEpoch = version >= REPLICA_STATE_VERSION && replicaId >= 0
                ? request.replicaState().replicaEpoch()
                : UNKNOWN_BROKER_EPOCH;
        boolean readCommitted = request.isolationLevel() == IsolationLevel.READ_COMMITTED.id();
        // Fetch v11+ consumers may read from a follower (KIP-392); older ones, and followers, only from the leader
        boolean followerReadable = replicaId < 0 && version >= RACK_ID_VERSION;
        ClientMetadata client = followerReadable && preferredReplicas != null ? clientMetadata(context, request) : null;
        FetchParams params = new FetchParams(
                replicaId,
                Math.max(0, request.maxWaitMs()),
                request.minBytes(),
                request.maxBytes(),
                replicaId >= 0
                        ? FetchIsolation.LOG_END
                        : readCommitted ? FetchIsolation.TXN_COMMITTED : FetchIsolation.HIGH_WATERMARK,
                replicaEpoch,
                !followerReadable);

        List<FetchEntry> entries = session.entries();
        String[] names = new String[entries.size()];
        Map<Uuid, Optional<String>> resolved = new HashMap<>();
        List<PartitionFetch> fetches = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            FetchEntry e = entries.get(i);
            String name = session.usesTopicIds()
                    ? resolved.computeIfAbsent(e.key().topicId(), topicNames).orElse(null)
                    : e.key().topic();
            names[i] = name;
            if (name != null) {
                fetches.add(new PartitionFetch(
                        new TopicPartition(name, e.key().partition()),
                        e.fetchOffset(),
                        e.logStartOffset(),
                        e.maxBytes(),
                        e.currentLeaderEpoch(),
                        e.lastFetchedEpoch()));
            }
        }
        CompletableFuture<ApiResponse> answer = new CompletableFuture<>();
        boolean byFollower = params.isFromFollower();
        Consumer<Map<TopicPartition, ReadResult>> respond = results -> answer.complete(
                ApiResponse.of(response(version, session, names, results, readCommitted, client, byFollower)));
        if (fetches.isEmpty()) {
            respond.accept(Map.of());
        } else {
            context.cancellation().onCancel(reader.fetchMessages(params, fetches, respond)::cancel);
        }
        return answer;
    }

    private static ClientMetadata clientMetadata(RequestContext context, FetchRequestData request) {
        InetAddress address = context.remoteAddress() instanceof InetSocketAddress socket ? socket.getAddress() : null;
        return new ClientMetadata.DefaultClientMetadata(
                request.rackId() == null ? "" : request.rackId(),
                context.clientId(),
                address,
                context.principal(),
                context.listenerName());
    }

    private static FetchResponseData errorResponse(Errors error) {
        return new FetchResponseData()
                .setThrottleTimeMs(0)
                .setErrorCode(error.code())
                .setSessionId(FetchMetadata.INVALID_SESSION_ID);
    }

    private FetchResponseData response(
            short version,
            FetchContext session,
            String[] names,
            Map<TopicPartition, ReadResult> results,
            boolean readCommitted,
            ClientMetadata client,
            boolean byFollower) {
        List<FetchEntry> entries = session.entries();
        List<PartitionData> answers = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            int partition = entries.get(i).key().partition();
            String name = names[i];
            ReadResult result = name == null ? null : results.get(new TopicPartition(name, partition));
            PartitionData data;
            if (name == null) {
                data = error(partition, Errors.UNKNOWN_TOPIC_ID);
            } else if (result == null) {
                data = error(partition, Errors.UNKNOWN_TOPIC_OR_PARTITION);
            } else {
                TopicPartition tp = new TopicPartition(name, partition);
                data = partitionData(version, tp, result);
                if (client != null && result.error() == Errors.NONE) {
                    // the leader names the consumer's preferred read replica and sends no records
                    OptionalInt preferred =
                            preferredReplicas.select(tp, entries.get(i).fetchOffset(), client);
                    if (preferred.isPresent()) {
                        data.setPreferredReadReplica(preferred.getAsInt()).setRecords(MemoryRecords.EMPTY);
                    }
                }
            }
            data.setAbortedTransactions(readCommitted ? abortedTransactions(result) : null);
            answers.add(data);
        }
        FetchContext.Outcome outcome = session.complete(answers);
        if (outcome.error() != Errors.NONE) {
            return errorResponse(outcome.error());
        }
        FetchResponseData response = new FetchResponseData()
                .setThrottleTimeMs(0)
                .setErrorCode(Errors.NONE.code())
                .setSessionId(outcome.sessionId());
        // consecutive partitions of one topic share a topic entry (so a full response mirrors the request's topics)
        boolean[] included = outcome.included();
        FetchableTopicResponse current = null;
        PartitionKey currentKey = null;
        for (int i = 0; i < entries.size(); i++) {
            if (!included[i]) {
                continue;
            }
            PartitionKey key = entries.get(i).key();
            if (current == null
                    || !key.topicId().equals(currentKey.topicId())
                    || !key.topic().equals(currentKey.topic())) {
                current = new FetchableTopicResponse()
                        .setTopic(names[i] == null ? "" : names[i])
                        .setTopicId(key.topicId());
                currentKey = key;
                response.responses().add(current);
            }
            current.partitions().add(answers.get(i));
            if (names[i] != null) {
                topicMetrics.fetched(names[i], answers.get(i).records().sizeInBytes(), byFollower);
            }
        }
        return response;
    }

    private static List<FetchResponseData.AbortedTransaction> abortedTransactions(ReadResult result) {
        List<FetchResponseData.AbortedTransaction> out = new ArrayList<>(0);
        if (result != null) {
            for (AbortedTxn txn : result.abortedTransactions()) {
                out.add(new FetchResponseData.AbortedTransaction()
                        .setProducerId(txn.producerId())
                        .setFirstOffset(txn.firstOffset()));
            }
        }
        return out;
    }

    private PartitionData partitionData(short version, TopicPartition tp, ReadResult result) {
        Errors error = result.error();
        if (error == Errors.UNKNOWN_TOPIC_OR_PARTITION && knownPartition.test(tp)) {
            error = Errors.NOT_LEADER_OR_FOLLOWER;
        }
        PartitionData data = new PartitionData()
                .setPartitionIndex(tp.partition())
                .setErrorCode(error.code())
                .setHighWatermark(result.highWatermark())
                .setLastStableOffset(result.lastStableOffset())
                .setLogStartOffset(result.logStartOffset())
                .setPreferredReadReplica(-1)
                .setRecords(records(result.records()));
        if (result.divergingEpoch().isPresent()) {
            EpochEndOffset diverging = result.divergingEpoch().get();
            if (version >= DIVERGING_EPOCH_VERSION) {
                data.setDivergingEpoch(new FetchResponseData.EpochEndOffset()
                        .setEpoch(diverging.epoch())
                        .setEndOffset(diverging.endOffset()));
            } else {
                log.warn("{}Cannot send diverging epoch {} of {} at Fetch v{}", logPrefix, diverging, tp, version);
            }
        }
        return data;
    }

    private static BaseRecords records(Optional<FileSlice> slice) {
        if (slice.isEmpty() || slice.get().isEmpty()) {
            return MemoryRecords.EMPTY;
        }
        FileSlice s = slice.get();
        if (s.isOnHeap()) {
            // read from the remote tier: no file descriptor to sendfile from
            try {
                return s.readRecords();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new FileRecordsSlice(s.channel(), s.position(), s.length());
    }

    private static PartitionData error(int partition, Errors error) {
        return new PartitionData()
                .setPartitionIndex(partition)
                .setErrorCode(error.code())
                .setHighWatermark(-1L)
                .setLastStableOffset(-1L)
                .setLogStartOffset(-1L)
                .setPreferredReadReplica(-1)
                .setRecords(MemoryRecords.EMPTY);
    }
}
