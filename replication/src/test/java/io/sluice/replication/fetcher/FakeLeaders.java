package io.sluice.replication.fetcher;

import io.sluice.replication.epoch.EpochEndOffset;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;

/**
 * In-memory leader brokers answering follower fetches the way a Sluice leader does: current-leader-epoch fencing,
 * divergence check on the last fetched epoch, {@code OFFSET_OUT_OF_RANGE} with the log start offset and high watermark
 * filled in, long polling up to {@code maxWaitMs} when there is no data. Every request is recorded.
 */
final class FakeLeaders implements LeaderEndpointFactory {

    /** A request as the leader saw it. */
    record SeenRequest(int leaderId, long atNanos, FetchRequestData request) {
        boolean includes(TopicPartition tp) {
            return partition(tp) != null;
        }

        FetchRequestData.FetchPartition partition(TopicPartition tp) {
            for (FetchRequestData.FetchTopic topic : request.topics()) {
                if (topic.topic().equals(tp.topic())) {
                    for (FetchRequestData.FetchPartition p : topic.partitions()) {
                        if (p.partition() == tp.partition()) {
                            return p;
                        }
                    }
                }
            }
            return null;
        }
    }

    /** One leader replica: its log and current epoch. */
    static final class LeaderReplica {
        final InMemoryLog log = new InMemoryLog();
        volatile int epoch;

        LeaderReplica(int epoch) {
            this.epoch = epoch;
        }
    }

    /** One leader broker. */
    final class Broker {
        final int id;
        final Map<TopicPartition, LeaderReplica> partitions = new ConcurrentHashMap<>();
        volatile boolean failing;
        /** Accepts fetches and never answers them. */
        volatile boolean silent;
        /** Fetches after this many are answered only once {@link #release} completes. */
        volatile int holdFetchesAfter = Integer.MAX_VALUE;

        final CompletableFuture<Void> release = new CompletableFuture<>();
        private final AtomicInteger fetches = new AtomicInteger();

        final AtomicInteger endpointsCreated = new AtomicInteger();
        final AtomicInteger endpointsClosed = new AtomicInteger();

        Broker(int id) {
            this.id = id;
        }

        LeaderReplica lead(TopicPartition tp, int epoch) {
            LeaderReplica replica = new LeaderReplica(epoch);
            partitions.put(tp, replica);
            return replica;
        }

        CompletionStage<FetchResponseData> fetch(FetchRequestData request) {
            requests.add(new SeenRequest(id, System.nanoTime(), request));
            if (failing) {
                return CompletableFuture.failedFuture(new ConnectException("broker " + id + " unreachable"));
            }
            if (silent) {
                return new CompletableFuture<>();
            }
            if (fetches.incrementAndGet() > holdFetchesAfter) {
                return release.thenApply(v -> answer(request));
            }
            FetchResponseData now = answer(request);
            if (hasNews(now) || request.maxWaitMs() == 0) {
                return CompletableFuture.completedFuture(now);
            }
            return CompletableFuture.supplyAsync(
                    () -> answer(request),
                    CompletableFuture.delayedExecutor(request.maxWaitMs(), TimeUnit.MILLISECONDS));
        }

        private FetchResponseData answer(FetchRequestData request) {
            List<FetchResponseData.FetchableTopicResponse> topics = new ArrayList<>();
            for (FetchRequestData.FetchTopic topic : request.topics()) {
                FetchResponseData.FetchableTopicResponse out =
                        new FetchResponseData.FetchableTopicResponse().setTopic(topic.topic());
                for (FetchRequestData.FetchPartition p : topic.partitions()) {
                    out.partitions().add(answer(new TopicPartition(topic.topic(), p.partition()), p));
                }
                topics.add(out);
            }
            return new FetchResponseData().setResponses(topics);
        }

        private FetchResponseData.PartitionData answer(TopicPartition tp, FetchRequestData.FetchPartition p) {
            FetchResponseData.PartitionData data = new FetchResponseData.PartitionData()
                    .setPartitionIndex(tp.partition())
                    .setHighWatermark(-1)
                    .setLogStartOffset(-1);
            LeaderReplica replica = partitions.get(tp);
            if (replica == null) {
                return data.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
            }
            if (p.currentLeaderEpoch() < replica.epoch) {
                return data.setErrorCode(Errors.FENCED_LEADER_EPOCH.code());
            }
            if (p.currentLeaderEpoch() > replica.epoch) {
                return data.setErrorCode(Errors.UNKNOWN_LEADER_EPOCH.code());
            }
            InMemoryLog log = replica.log;
            synchronized (log) {
                data.setHighWatermark(log.highWatermark()).setLogStartOffset(log.logStartOffset());
                if (p.lastFetchedEpoch() >= 0) {
                    EpochEndOffset end = log.endOffsetFor(p.lastFetchedEpoch());
                    if (end.isUndefined()) {
                        return data.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code());
                    }
                    if (end.epoch() < p.lastFetchedEpoch() || end.endOffset() < p.fetchOffset()) {
                        return data.setDivergingEpoch(new FetchResponseData.EpochEndOffset()
                                .setEpoch(end.epoch())
                                .setEndOffset(end.endOffset()));
                    }
                }
                if (p.fetchOffset() < log.logStartOffset() || p.fetchOffset() > log.logEndOffset()) {
                    return data.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code());
                }
                return data.setRecords(log.read(p.fetchOffset(), p.partitionMaxBytes()));
            }
        }

        private boolean hasNews(FetchResponseData response) {
            for (FetchResponseData.FetchableTopicResponse topic : response.responses()) {
                for (FetchResponseData.PartitionData p : topic.partitions()) {
                    boolean hasRecords = p.records() instanceof MemoryRecords m && m.sizeInBytes() > 0;
                    if (hasRecords || p.errorCode() != 0 || p.divergingEpoch().epoch() >= 0) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    private final Map<Integer, Broker> brokers = new ConcurrentHashMap<>();
    final List<SeenRequest> requests = new CopyOnWriteArrayList<>();

    Broker broker(int id) {
        return brokers.computeIfAbsent(id, Broker::new);
    }

    /** Requests that included {@code tp}, in order. */
    List<SeenRequest> requestsFor(int leaderId, TopicPartition tp) {
        List<SeenRequest> seen = new ArrayList<>();
        for (SeenRequest r : requests) {
            if (r.leaderId() == leaderId && r.includes(tp)) {
                seen.add(r);
            }
        }
        return seen;
    }

    long requestCount(int leaderId) {
        return requests.stream().filter(r -> r.leaderId() == leaderId).count();
    }

    @Override
    public LeaderEndpoint endpointFor(int leaderBrokerId) {
        Broker broker = broker(leaderBrokerId);
        broker.endpointsCreated.incrementAndGet();
        return new LeaderEndpoint() {
            @Override
            public int leaderId() {
                return leaderBrokerId;
            }

            @Override
            public CompletionStage<FetchResponseData> fetch(FetchRequestData request) {
                return broker.fetch(request);
            }

            @Override
            public void close() {
                broker.endpointsClosed.incrementAndGet();
            }
        };
    }
}
