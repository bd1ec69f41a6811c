package io.sluice.broker.network.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.DisconnectException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BrokerClientTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final short METADATA_V = 9;
    private static final short FETCH_V = 12;
    /** Metadata requests for this topic are never answered. */
    private static final String BLACKHOLE = "blackhole";

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final List<CompletableFuture<ApiMessage>> held = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean holdAll;
    private ClientEventLoops loops;

    @BeforeEach
    void setUp() {
        loops = ClientEventLoops.create(2, "test-broker-client", true);
    }

    @AfterEach
    void tearDown() throws Exception {
        Collections.reverse(resources);
        for (AutoCloseable resource : resources) {
            resource.close();
        }
        loops.close();
    }

    @Test
    void roundTripMatchesCorrelationIdsAndSendsClientId() throws Exception {
        FakeKafkaServer server = server(FakeKafkaServer.allVersions());
        BrokerClient client = client(server, BrokerClientConfig.defaults(1));

        for (int i = 0; i < 3; i++) {
            MetadataResponseData response = client.send(ApiKeys.METADATA, METADATA_V, metadata("t" + i), TIMEOUT)
                    .thenApply(MetadataResponseData.class::cast)
                    .get(10, TimeUnit.SECONDS);
            assertThat(response.topics().iterator().next().name()).isEqualTo("t" + i);
        }

        List<FakeKafkaServer.Received> received = server.received();
        assertThat(received)
                .extracting(r -> r.header().apiKey())
                .containsExactly(ApiKeys.API_VERSIONS, ApiKeys.METADATA, ApiKeys.METADATA, ApiKeys.METADATA);
        assertThat(received).extracting(r -> r.header().correlationId()).containsExactly(0, 1, 2, 3);
        assertThat(received).extracting(r -> r.header().clientId()).containsOnly("sluice-broker-1");
        assertThat(received.get(0).header().apiVersion()).isEqualTo(ApiKeys.API_VERSIONS.latestVersion());
        assertThat(client.isReady()).isTrue();
        assertThat(server.connectionsAccepted()).isEqualTo(1);
    }

    @Test
    void manyConcurrentRequestsEachGetTheirOwnResponse() throws Exception {
        FakeKafkaServer server = server(FakeKafkaServer.allVersions());
        BrokerClient client = client(server, BrokerClientConfig.defaults(1).withMaxQueuedRequests(5000));
        int threads = 8;
        int perThread = 200;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<String>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    List<CompletableFuture<MetadataResponseData>> futures = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        futures.add(client.send(
                                ApiKeys.METADATA,
                                METADATA_V,
                                metadata("t-" + thread + "-" + i),
                                TIMEOUT,
                                MetadataResponseData.class));
                    }
                    List<String> names = new ArrayList<>();
                    for (CompletableFuture<MetadataResponseData> f : futures) {
                        names.add(f.get(20, TimeUnit.SECONDS)
                                .topics()
                                .iterator()
                                .next()
                                .name());
                    }
                    return names;
                }));
            }
            for (int t = 0; t < threads; t++) {
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < perThread; i++) {
                    expected.add("t-" + t + "-" + i);
                }
                assertThat(results.get(t).get(30, TimeUnit.SECONDS)).isEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
        List<Integer> ids =
                server.received().stream().map(r -> r.header().correlationId()).toList();
        assertThat(ids).hasSize(threads * perThread + 1).doesNotHaveDuplicates().isSorted();
        assertThat(server.connectionsAccepted()).isEqualTo(1);
    }

    @Test
    void fetchRecordsSurviveAfterTheCallCompletes() throws Exception {
        FakeKafkaServer server = server(FakeKafkaServer.allVersions());
        BrokerClient client = client(server, BrokerClientConfig.defaults(1));

        FetchResponseData first = client.send(
                        ApiKeys.FETCH, FETCH_V, fetch("logs", 0, 100L), TIMEOUT, FetchResponseData.class)
                .get(10, TimeUnit.SECONDS);
        // More traffic through the same connection and its buffers before reading the first response's records.
        for (int i = 0; i < 20; i++) {
            client.send(ApiKeys.FETCH, FETCH_V, fetch("logs", 0, 1000L + i), TIMEOUT)
                    .get(10, TimeUnit.SECONDS);
        }

        FetchResponseData.PartitionData partition =
                first.responses().get(0).partitions().get(0);
        MemoryRecords records = (MemoryRecords) partition.records();
        assertThat(records.buffer().hasArray())
                .as("records are a heap copy owned by the caller")
                .isTrue();
        List<String> values = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        for (Record record : records.records()) {
            values.add(new String(Utils.toArray(record.value()), StandardCharsets.UTF_8));
            offsets.add(record.offset());
        }
        assertThat(values).containsExactly("value-100-0", "value-100-1", "value-100-2");
        assertThat(offsets).containsExactly(100L, 101L, 102L);
        assertThat(partition.highWatermark()).isEqualTo(103L);
    }

    @Test
    void timeoutFailsTheRequestAndLaterRequestsReconnect() throws Exception {
        FakeKafkaServer server = server(FakeKafkaServer.allVersions());
        BrokerClient client = client(server, BrokerClientConfig.defaults(1));
        client.send(ApiKeys.METADATA, METADATA_V, metadata("warmup"), TIMEOUT).get(10, TimeUnit.SECONDS);

        CompletableFuture<ApiMessage> lost =
                client.send(ApiKeys.METADATA, METADATA_V, metadata(BLACKHOLE), Duration.ofMillis(200));
        assertThatThrownBy(() -> lost.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(TimeoutException.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> !client.isReady());

        MetadataResponseData after = client.send(
                        ApiKeys.METADATA, METADATA_V, metadata("after"), TIMEOUT, MetadataResponseData.class)
                .get(10, TimeUnit.SECONDS);
        assertThat(after.topics().iterator().next().name()).isEqualTo("after");
        assertThat(server.connectionsAccepted()).isEqualTo(2);
    }

    @Test
    void serverGoingAwayFailsInFlightPromptlyAndClientReconnectsWhenItReturns() throws Exception {
        FakeKafkaServer server = server(FakeKafkaServer.allVersions());
        BrokerClient client = client(
                server,
                BrokerClientConfig.defaults(1).withReconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200)));
        holdAll = true;
        List<CompletableFuture<ApiMessage>> inFlight = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            inFlight.add(client.send(ApiKeys.METADATA, METADATA_V, metadata("t" + i), Duration.ofSeconds(30)));
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> server.receivedExceptApiVersions().size() == 3);

        int port = server.port();
        server.stop();
        for (CompletableFuture<ApiMessage> f : inFlight) {
            assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS))
                    .as("in-flight requests fail well before their own 30 s timeout")
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(DisconnectException.class);
        }
        CompletableFuture<ApiMessage> whileDown = client.send(ApiKeys.METADATA, METADATA_V, metadata("down"), TIMEOUT);
        assertThatThrownBy(() -> whileDown.get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(DisconnectException.class)
                .hasMessageContaining("connect failed");

        holdAll = false;
        server.start(port);
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
            MetadataResponseData r = client.send(
                            ApiKeys.METADATA, METADATA_V, metadata("back"), TIMEOUT, MetadataResponseData.class)
                    .get(5, TimeUnit.SECONDS);
            return r.topics().iterator().next().name().equals("back");
        });
        assertThat(client.isReady()).isTrue();
    }

    @Test
    void unsupportedVersionFailsFastAndSendLatestPicksThePeersMax() throws Exception {
        Map<ApiKeys, PeerApiVersions.Range> versions = FakeKafkaServer.allVersions();
        versions.put(ApiKeys.METADATA, new PeerApiVersions.Range((short) 0, (short) 4));
        FakeKafkaServer server = server(versions);
        BrokerClient client = client(server, BrokerClientConfig.defaults(1));

        // Not connected yet: the request waits for the handshake and fails once the peer's ranges are known.
        CompletableFuture<ApiMessage> beforeConnect = client.send(ApiKeys.METADATA, METADATA_V, metadata("x"), TIMEOUT);
        assertThatThrownBy(() -> beforeConnect.get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(UnsupportedVersionException.class);
        assertThat(client.negotiatedVersions().get(10, TimeUnit.SECONDS).range(ApiKeys.METADATA))
                .contains(new PeerApiVersions.Range((short) 0, (short) 4));

        // Connected: fails on the caller's thread, before anything is written.
        int sentBefore = server.received().size();
        CompletableFuture<ApiMessage> connected = client.send(ApiKeys.METADATA, METADATA_V, metadata("y"), TIMEOUT);
        assertThat(connected).isCompletedExceptionally();
        assertThatThrownBy(connected::join).hasCauseInstanceOf(UnsupportedVersionException.class);

        assertThat(client.latestUsableVersion(ApiKeys.METADATA, METADATA_V)).isEqualTo((short) 4);
        MetadataResponseData ok = (MetadataResponseData)
                client.sendLatest(ApiKeys.METADATA, (short) 1, METADATA_V, metadata("z"), TIMEOUT)
                        .get(10, TimeUnit.SECONDS);
        assertThat(ok.topics().iterator().next().name()).isEqualTo("z");
        List<FakeKafkaServer.Received> received = server.received();
        assertThat(received).hasSize(sentBefore + 1);
        assertThat(received.get(received.size() - 1).header().apiVersion()).isEqualTo((short) 4);
    }

    @Test
    void olderPeerMakesTheClientStepDownItsApiVersionsRequest() throws Exception {
        Map<ApiKeys, PeerApiVersions.Range> versions = FakeKafkaServer.allVersions();
        versions.put(ApiKeys.API_VERSIONS, new PeerApiVersions.Range((short) 0, (short) 2));
        FakeKafkaServer server = server(versions);
        BrokerClient client = client(server, BrokerClientConfig.defaults(1));

        PeerApiVersions negotiated = client.negotiatedVersions().get(10, TimeUnit.SECONDS);

        assertThat(negotiated.range(ApiKeys.API_VERSIONS)).contains(new PeerApiVersions.Range((short) 0, (short) 2));
        assertThat(server.received())
                .extracting(r -> r.header().apiVersion())
                .containsExactly(ApiKeys.API_VERSIONS.latestVersion(), (short) 2);
    }

    @Test
    void closeFailsPendingRequestsAndIsSafeTwice() throws Exception {
        FakeKafkaServer server = server(FakeKafkaServer.allVersions());
        BrokerClient client = client(server, BrokerClientConfig.defaults(1).withMaxInFlightRequests(1));
        holdAll = true;
        CompletableFuture<ApiMessage> inFlight = client.send(ApiKeys.METADATA, METADATA_V, metadata("a"), TIMEOUT);
        CompletableFuture<ApiMessage> queued = client.send(ApiKeys.METADATA, METADATA_V, metadata("b"), TIMEOUT);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> server.receivedExceptApiVersions().size() == 1);

        client.close();

        assertThat(inFlight).isCompletedExceptionally();
        assertThat(queued).isCompletedExceptionally();
        assertThatThrownBy(inFlight::join)
                .hasCauseInstanceOf(DisconnectException.class)
                .hasMessageContaining("client closed");
        assertThatThrownBy(queued::join).hasCauseInstanceOf(DisconnectException.class);
        client.close();
        assertThat(client.isClosed()).isTrue();
        assertThat(client.send(ApiKeys.METADATA, METADATA_V, metadata("c"), TIMEOUT))
                .isCompletedExceptionally();
        assertThat(client.negotiatedVersions()).isCompletedExceptionally();
    }

    @Test
    void requestsBeyondMaxInFlightQueueAndKeepTheirOrder() throws Exception {
        FakeKafkaServer server = server(FakeKafkaServer.allVersions());
        BrokerClient client = client(server, BrokerClientConfig.defaults(1).withMaxInFlightRequests(2));
        holdAll = true;
        ConcurrentLinkedQueue<String> completionOrder = new ConcurrentLinkedQueue<>();
        List<CompletableFuture<ApiMessage>> futures = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            futures.add(client.send(ApiKeys.METADATA, METADATA_V, metadata("t" + i), TIMEOUT)
                    .whenComplete((r, e) -> completionOrder.add(((MetadataResponseData) r)
                            .topics()
                            .iterator()
                            .next()
                            .name())));
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> server.receivedExceptApiVersions().size() == 2);
        assertThat(futures).noneMatch(CompletableFuture::isDone);

        // Release the held responses one at a time; each frees a slot for the next queued request.
        for (int released = 0; released < 6; released++) {
            int next = released;
            await().atMost(Duration.ofSeconds(10)).until(() -> held.size() > next);
            held.get(next).complete(echoMetadata((MetadataRequestData)
                    server.receivedExceptApiVersions().get(next).body()));
            await().atMost(Duration.ofSeconds(10)).until(() -> futures.get(next).isDone());
        }

        assertThat(completionOrder).containsExactly("t0", "t1", "t2", "t3", "t4", "t5");
        assertThat(server.receivedExceptApiVersions())
                .extracting(
                        r -> ((MetadataRequestData) r.body()).topics().get(0).name())
                .containsExactly("t0", "t1", "t2", "t3", "t4", "t5");
        assertThat(server.maxOutstanding()).isEqualTo(2);
    }

    @Test
    void fullQueueRejectsFurtherRequests() throws Exception {
        FakeKafkaServer server = server(FakeKafkaServer.allVersions());
        BrokerClient client = client(
                server,
                BrokerClientConfig.defaults(1).withMaxInFlightRequests(1).withMaxQueuedRequests(2));
        holdAll = true;
        CompletableFuture<ApiMessage> first = client.send(ApiKeys.METADATA, METADATA_V, metadata("a"), TIMEOUT);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> server.receivedExceptApiVersions().size() == 1);
        CompletableFuture<ApiMessage> second = client.send(ApiKeys.METADATA, METADATA_V, metadata("b"), TIMEOUT);
        CompletableFuture<ApiMessage> third = client.send(ApiKeys.METADATA, METADATA_V, metadata("c"), TIMEOUT);
        CompletableFuture<ApiMessage> fourth = client.send(ApiKeys.METADATA, METADATA_V, metadata("d"), TIMEOUT);

        assertThatThrownBy(() -> fourth.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(RequestQueueFullException.class);
        assertThat(first).isNotDone();
        assertThat(second).isNotDone();
        assertThat(third).isNotDone();
    }

    @Test
    void mismatchedCorrelationIdClosesTheConnection() throws Exception {
        FakeKafkaServer server = server(FakeKafkaServer.allVersions());
        BrokerClient client = client(server, BrokerClientConfig.defaults(1));
        client.send(ApiKeys.METADATA, METADATA_V, metadata("ok"), TIMEOUT).get(10, TimeUnit.SECONDS);

        server.skewCorrelationIds(7);
        CompletableFuture<ApiMessage> bad = client.send(ApiKeys.METADATA, METADATA_V, metadata("bad"), TIMEOUT);
        assertThatThrownBy(() -> bad.get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(DisconnectException.class)
                .hasMessageContaining("protocol error");

        server.skewCorrelationIds(0);
        await().atMost(Duration.ofSeconds(10))
                .ignoreExceptions()
                .until(() -> client.send(ApiKeys.METADATA, METADATA_V, metadata("again"), TIMEOUT)
                                .get(5, TimeUnit.SECONDS)
                        != null);
        assertThat(server.connectionsAccepted()).isEqualTo(2);
    }

    @Test
    void oversizedResponseClosesTheConnectionAndLaterRequestsReconnect() throws Exception {
        FakeKafkaServer server = server(FakeKafkaServer.allVersions());
        BrokerClient client = client(server, BrokerClientConfig.defaults(1).withMaxResponseBytes(1024));
        client.send(ApiKeys.METADATA, METADATA_V, metadata("small"), TIMEOUT).get(10, TimeUnit.SECONDS);

        CompletableFuture<ApiMessage> big =
                client.send(ApiKeys.METADATA, METADATA_V, metadata("x".repeat(2000)), TIMEOUT);

        assertThatThrownBy(() -> big.get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(DisconnectException.class)
                .hasMessageContaining("connection error");
        MetadataResponseData after = client.send(
                        ApiKeys.METADATA, METADATA_V, metadata("after"), TIMEOUT, MetadataResponseData.class)
                .get(10, TimeUnit.SECONDS);
        assertThat(after.topics().iterator().next().name()).isEqualTo("after");
    }

    @Test
    void handshakeTimeoutFailsQueuedRequestsAndTheNextConnectionNegotiates() throws Exception {
        FakeKafkaServer server = server(FakeKafkaServer.allVersions());
        server.answerApiVersions(false);
        BrokerClient client =
                client(server, BrokerClientConfig.defaults(1).withHandshakeTimeout(Duration.ofMillis(200)));

        CompletableFuture<ApiMessage> f = client.send(ApiKeys.METADATA, METADATA_V, metadata("x"), TIMEOUT);

        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(DisconnectException.class)
                .hasMessageContaining("ApiVersions");
        assertThat(server.receivedExceptApiVersions()).isEmpty();
        server.answerApiVersions(true);
        assertThat(client.send(ApiKeys.METADATA, METADATA_V, metadata("y"), TIMEOUT)
                        .get(10, TimeUnit.SECONDS))
                .isInstanceOf(MetadataResponseData.class);
        assertThat(server.connectionsAccepted()).isEqualTo(2);
    }

    @Test
    void reconnectWaitsForTheBackoffOfTheInjectedClock() throws Exception {
        FakeKafkaServer server = server(FakeKafkaServer.allVersions());
        int port = server.port();
        server.stop();
        AtomicLong fakeNanos = new AtomicLong();
        Duration backoff = Duration.ofMillis(300);
        BrokerClient client = resource(new BrokerClient(
                new BrokerAddress(2, "127.0.0.1", port),
                BrokerClientConfig.defaults(1).withReconnectBackoff(backoff, backoff),
                loops,
                ClientMetrics.NOOP,
                fakeNanos::get,
                new Random(7)));
        CompletableFuture<ApiMessage> first = client.send(ApiKeys.METADATA, METADATA_V, metadata("a"), TIMEOUT);
        assertThatThrownBy(() -> first.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(DisconnectException.class);

        // The injected clock has not moved: the next attempt waits the whole backoff.
        long start = System.nanoTime();
        CompletableFuture<ApiMessage> second = client.send(ApiKeys.METADATA, METADATA_V, metadata("b"), TIMEOUT);
        assertThatThrownBy(() -> second.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(DisconnectException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(backoff.minusMillis(20));

        // Once the injected clock has passed the deadline, the server (back again) is reached at once.
        fakeNanos.addAndGet(backoff.toNanos() * 2);
        server.start(port);
        assertThat(client.send(ApiKeys.METADATA, METADATA_V, metadata("c"), TIMEOUT)
                        .get(10, TimeUnit.SECONDS))
                .isInstanceOf(MetadataResponseData.class);
    }

    @Test
    void connectFailureFailsQueuedRequests() throws Exception {
        FakeKafkaServer server = server(FakeKafkaServer.allVersions());
        int port = server.port();
        server.stop();
        BrokerClient client = resource(new BrokerClient(
                new BrokerAddress(2, "127.0.0.1", port),
                BrokerClientConfig.defaults(1),
                loops,
                ClientMetrics.NOOP,
                System::nanoTime,
                new Random(7)));

        CompletableFuture<ApiMessage> f = client.send(ApiKeys.METADATA, METADATA_V, metadata("x"), TIMEOUT);

        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(DisconnectException.class)
                .hasMessageContaining("[BrokerClient from=1 to=2 127.0.0.1:" + port + "]");
        assertThat(client.isReady()).isFalse();
    }

    @Test
    void metricsCountRequestsFailuresAndLatency() throws Exception {
        FakeKafkaServer server = server(FakeKafkaServer.allVersions());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        BrokerClient client = resource(new BrokerClient(
                new BrokerAddress(2, "127.0.0.1", server.port()),
                BrokerClientConfig.defaults(1),
                loops,
                new ClientMetrics(registry),
                System::nanoTime,
                new Random(7)));

        client.send(ApiKeys.METADATA, METADATA_V, metadata("a"), TIMEOUT).get(10, TimeUnit.SECONDS);
        client.send(ApiKeys.METADATA, METADATA_V, metadata("b"), TIMEOUT).get(10, TimeUnit.SECONDS);
        CompletableFuture<ApiMessage> lost =
                client.send(ApiKeys.METADATA, METADATA_V, metadata(BLACKHOLE), Duration.ofMillis(100));
        assertThatThrownBy(() -> lost.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(TimeoutException.class);

        assertThat(registry.get("sluice.broker.client.requests")
                        .tag("api", "Metadata")
                        .tag("to", "2")
                        .counter()
                        .count())
                .isEqualTo(3.0);
        assertThat(registry.get("sluice.broker.client.latency")
                        .tag("api", "Metadata")
                        .timer()
                        .count())
                .isEqualTo(2);
        assertThat(registry.get("sluice.broker.client.failures")
                        .tag("reason", "TimeoutException")
                        .counter()
                        .count())
                .isEqualTo(1.0);
    }

    // ------------------------------------------------------------------ helpers

    private FakeKafkaServer server(Map<ApiKeys, PeerApiVersions.Range> versions) {
        FakeKafkaServer server = resource(new FakeKafkaServer(versions, this::respond));
        server.start(0);
        return server;
    }

    private BrokerClient client(FakeKafkaServer server, BrokerClientConfig config) {
        return resource(new BrokerClient(
                new BrokerAddress(2, "127.0.0.1", server.port()),
                config,
                loops,
                ClientMetrics.NOOP,
                System::nanoTime,
                new Random(42)));
    }

    private <T extends AutoCloseable> T resource(T resource) {
        resources.add(resource);
        return resource;
    }

    private CompletionStage<ApiMessage> respond(FakeKafkaServer.Received request) {
        if (holdAll) {
            CompletableFuture<ApiMessage> future = new CompletableFuture<>();
            held.add(future);
            return future;
        }
        if (request.body() instanceof MetadataRequestData metadata) {
            if (metadata.topics().get(0).name().equals(BLACKHOLE)) {
                return new CompletableFuture<>();
            }
            return CompletableFuture.completedFuture(echoMetadata(metadata));
        }
        if (request.body() instanceof FetchRequestData fetch) {
            return CompletableFuture.completedFuture(answerFetch(fetch));
        }
        throw new IllegalArgumentException("unexpected request " + request.header());
    }

    private static MetadataRequestData metadata(String topic) {
        MetadataRequestData data = new MetadataRequestData().setAllowAutoTopicCreation(false);
        data.topics().add(new MetadataRequestData.MetadataRequestTopic().setName(topic));
        return data;
    }

    private static MetadataResponseData echoMetadata(MetadataRequestData request) {
        MetadataResponseData response = new MetadataResponseData().setControllerId(2);
        for (MetadataRequestData.MetadataRequestTopic topic : request.topics()) {
            response.topics().add(new MetadataResponseData.MetadataResponseTopic().setName(topic.name()));
        }
        return response;
    }

    private static FetchRequestData fetch(String topic, int partition, long offset) {
        FetchRequestData data =
                new FetchRequestData().setReplicaId(1).setMaxWaitMs(0).setMinBytes(1);
        FetchRequestData.FetchTopic fetchTopic = new FetchRequestData.FetchTopic().setTopic(topic);
        fetchTopic
                .partitions()
                .add(new FetchRequestData.FetchPartition()
                        .setPartition(partition)
                        .setFetchOffset(offset)
                        .setPartitionMaxBytes(1 << 20));
        data.topics().add(fetchTopic);
        return data;
    }

    /** Three records starting at the fetch offset, with values {@code value-<fetchOffset>-<i>}. */
    private static FetchResponseData answerFetch(FetchRequestData request) {
        FetchResponseData response = new FetchResponseData();
        for (FetchRequestData.FetchTopic topic : request.topics()) {
            FetchResponseData.FetchableTopicResponse topicResponse =
                    new FetchResponseData.FetchableTopicResponse().setTopic(topic.topic());
            for (FetchRequestData.FetchPartition partition : topic.partitions()) {
                long offset = partition.fetchOffset();
                MemoryRecords records = MemoryRecords.withRecords(
                        offset,
                        Compression.NONE,
                        new SimpleRecord(("value-" + offset + "-0").getBytes(StandardCharsets.UTF_8)),
                        new SimpleRecord(("value-" + offset + "-1").getBytes(StandardCharsets.UTF_8)),
                        new SimpleRecord(("value-" + offset + "-2").getBytes(StandardCharsets.UTF_8)));
                topicResponse
                        .partitions()
                        .add(new FetchResponseData.PartitionData()
                                .setPartitionIndex(partition.partition())
                                .setHighWatermark(offset + 3)
                                .setLastStableOffset(offset + 3)
                                .setRecords(records));
            }
            response.responses().add(topicResponse);
        }
        return response;
    }
}
