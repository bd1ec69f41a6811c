package io.sluice.broker.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.broker.metadata.MetadataCache;
import io.sluice.broker.metrics.MetricsHttpServer;
import io.sluice.broker.metrics.ThreadLivenessMetrics.DeadThread;
import io.sluice.broker.metrics.ThreadLivenessMetrics.Kind;
import io.sluice.replication.epoch.EpochEndOffset;
import io.sluice.replication.fetcher.FetcherConfig;
import io.sluice.replication.fetcher.FetcherThreadStatus;
import io.sluice.replication.fetcher.FollowerPartition;
import io.sluice.replication.fetcher.InitialFetchState;
import io.sluice.replication.fetcher.LeaderEndpoint;
import io.sluice.replication.fetcher.ReplicaFetcherManager;
import io.sluice.testsupport.ManualClock;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.record.MemoryRecords;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The health checks: dead must-not-die threads and stuck replica fetchers make {@code /health} answer 503 with a
 * reason naming the thread, the leader and the time; an idle fetcher whose long polls come back empty does not.
 * Time is a clock the test moves; nothing sleeps.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BrokerHealthTest {
    private static final int BROKER = 1;
    private static final int LEADER = 2;
    private static final long LAG_MAX_MS = 10_000;
    private static final TopicPartition TP = new TopicPartition("orders", 0);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ManualClock clock = new ManualClock();
    private final List<DeadThread> deadThreads = new ArrayList<>();
    private final AtomicReference<Optional<String>> lifecycle = new AtomicReference<>(Optional.empty());
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private ReplicaFetcherManager fetchers;
    private MetricsHttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (fetchers != null) {
            fetchers.close();
        }
        registry.close();
    }

    private BrokerHealth health(java.util.function.Supplier<List<FetcherThreadStatus>> fetcherStatuses) {
        return new BrokerHealth(
                BROKER,
                LAG_MAX_MS,
                lifecycle::get,
                () -> List.copyOf(deadThreads),
                fetcherStatuses,
                new MetadataCache(BROKER, "test-cluster")::snapshot);
    }

    @Test
    void aDeadThreadOrAStuckFetcherIsReportedWithTheReason() {
        List<FetcherThreadStatus> statuses = new ArrayList<>();
        BrokerHealth health = health(() -> List.copyOf(statuses));
        assertThat(health.problem()).isEmpty();

        deadThreads.add(new DeadThread(Kind.PURGATORY_REAPER, "ExpirationReaper-1-Fetch"));
        statuses.add(new FetcherThreadStatus(
                "ReplicaFetcherThread-0-2", 2, 0, true, 3, 0, 41_234, Optional.of("java.net.ConnectException")));
        statuses.add(new FetcherThreadStatus("ReplicaFetcherThread-0-3", 3, 0, true, 5, 1, 900, Optional.empty()));
        statuses.add(new FetcherThreadStatus("ReplicaFetcherThread-0-4", 4, 0, true, 0, 2, 0, Optional.empty()));

        assertThat(health.problem())
                .hasValue("purgatory_reaper thread ExpirationReaper-1-Fetch is dead; replica fetcher"
                        + " ReplicaFetcherThread-0-2 (leader 2, 3 partition(s) to fetch) has not completed a fetch"
                        + " for 41234 ms (replica.lag.time.max.ms=10000); last error: java.net.ConnectException");

        lifecycle.set(Optional.of("broker is SHUTTING_DOWN"));
        assertThat(health.problem()).hasValue("broker is SHUTTING_DOWN");
    }

    @Test
    void healthTurnsDownWhileAFetcherGetsNoAnswerForLongerThanTheLagTimeAndUpWhenItDoes() throws Exception {
        SilentThenIdleLeader leader = new SilentThenIdleLeader();
        startFetcher(leader);
        startServer(health(fetchers::fetcherStatuses));
        assertThat(get().statusCode()).isEqualTo(200);

        clock.advance(LAG_MAX_MS + 1);
        HttpResponse<String> down = get();
        assertThat(down.statusCode()).isEqualTo(503);
        JsonNode doc = JSON.readTree(down.body());
        assertThat(doc.get("status").asText()).isEqualTo("DOWN");
        assertThat(doc.get("reason").asText())
                .contains("ReplicaFetcherThread-0-" + LEADER, "leader " + LEADER, (LAG_MAX_MS + 1) + " ms")
                .contains("replica.lag.time.max.ms=" + LAG_MAX_MS);
        assertThat(registry.scrape())
                .contains("sluice_replica_fetcher_last_success_age_ms{fetcher=\"0\",leader=\"" + LEADER + "\"} "
                        + (double) (LAG_MAX_MS + 1))
                .contains("sluice_replica_fetcher_failed_partitions 0.0");

        // the leader answers again: the first completed round makes the broker healthy
        leader.answer();
        await().atMost(Duration.ofSeconds(30)).until(() -> get().statusCode() == 200);
    }

    @Test
    void anIdleFetcherWhoseLongPollsComeBackEmptyStaysHealthy() throws Exception {
        SilentThenIdleLeader leader = new SilentThenIdleLeader();
        leader.answer();
        startFetcher(leader);
        startServer(health(fetchers::fetcherStatuses));
        await().atMost(Duration.ofSeconds(10)).until(() -> leader.answered.get() > 0);

        // 60 s of fetcher time in steps below the lag time, each followed by a completed (empty) round
        for (int i = 0; i < 10; i++) {
            clock.advance(LAG_MAX_MS * 6 / 10);
            assertThat(get().statusCode()).isEqualTo(200);
            long answered = leader.answered.get();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> leader.answered.get() > answered
                            && fetchers.fetcherStatuses().get(0).msSinceLastRound() == 0);
        }
        assertThat(get().statusCode()).isEqualTo(200);
    }

    private void startFetcher(LeaderEndpoint endpoint) {
        fetchers = new ReplicaFetcherManager(
                BROKER,
                new FetcherConfig(1, 1024 * 1024, 10 * 1024 * 1024, 20, 1, 100),
                leaderId -> endpoint,
                clock,
                registry);
        fetchers.addFetcherForPartitions(Map.of(new EmptyFollower(TP), new InitialFetchState(LEADER, 0)));
    }

    private void startServer(BrokerHealth health) {
        server = new MetricsHttpServer(
                BROKER, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), registry, health::problem);
        server.start();
    }

    private HttpResponse<String> get() throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    /** A leader that holds every fetch unanswered until {@link #answer()}, then answers empty after 20 ms. */
    private static final class SilentThenIdleLeader implements LeaderEndpoint {
        private final CompletableFuture<Void> answering = new CompletableFuture<>();
        final AtomicLong answered = new AtomicLong();

        void answer() {
            answering.complete(null);
        }

        @Override
        public int leaderId() {
            return LEADER;
        }

        @Override
        public CompletionStage<FetchResponseData> fetch(FetchRequestData request) {
            return answering.thenComposeAsync(v -> CompletableFuture.supplyAsync(
                    () -> {
                        answered.incrementAndGet();
                        return empty(request);
                    },
                    CompletableFuture.delayedExecutor(request.maxWaitMs(), TimeUnit.MILLISECONDS)));
        }

        private static FetchResponseData empty(FetchRequestData request) {
            FetchResponseData response = new FetchResponseData();
            for (FetchRequestData.FetchTopic topic : request.topics()) {
                FetchResponseData.FetchableTopicResponse out =
                        new FetchResponseData.FetchableTopicResponse().setTopic(topic.topic());
                for (FetchRequestData.FetchPartition p : topic.partitions()) {
                    out.partitions()
                            .add(new FetchResponseData.PartitionData()
                                    .setPartitionIndex(p.partition())
                                    .setHighWatermark(0)
                                    .setLogStartOffset(0)
                                    .setRecords(MemoryRecords.EMPTY));
                }
                response.responses().add(out);
            }
            return response;
        }

        @Override
        public void close() {}
    }

    /** A follower replica with an empty log that accepts (empty) appends. */
    private record EmptyFollower(TopicPartition topicPartition) implements FollowerPartition {
        @Override
        public int leaderEpoch() {
            return 0;
        }

        @Override
        public long logStartOffset() {
            return 0;
        }

        @Override
        public long logEndOffset() {
            return 0;
        }

        @Override
        public OptionalInt latestEpoch() {
            return OptionalInt.empty();
        }

        @Override
        public EpochEndOffset endOffsetForEpoch(int epoch) {
            return EpochEndOffset.UNDEFINED;
        }

        @Override
        public long appendRecordsFromLeader(MemoryRecords records, long leaderHighWatermark, long leaderLogStart) {
            return 0;
        }

        @Override
        public void truncateTo(long offset) {}

        @Override
        public void truncateFullyAndStartAt(long offset) {}
    }
}
