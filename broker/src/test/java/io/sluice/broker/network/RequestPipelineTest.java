package io.sluice.broker.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The request pipeline of one connection on an EmbeddedChannel: parsing, ordering, errors and bad input. */
@Timeout(30)
class RequestPipelineTest {

    private final List<CompletableFuture<ApiResponse>> heartbeats = new ArrayList<>();
    private final AtomicInteger heartbeatCalls = new AtomicInteger();
    private LogCapture logs;
    private EmbeddedConnection connection;

    @BeforeEach
    void setUp() {
        logs = new LogCapture();
    }

    @AfterEach
    void tearDown() {
        if (connection != null) {
            connection.close();
        }
        logs.close();
    }

    /** Heartbeat v1-v4, answered when the test completes the stored future. */
    private ApiHandler<HeartbeatRequestData> deferredHeartbeat() {
        return new TestHandler<HeartbeatRequestData>(ApiKeys.HEARTBEAT, (short) 1, (short) 4, false, (ctx, req) -> {
            heartbeatCalls.incrementAndGet();
            CompletableFuture<ApiResponse> future = new CompletableFuture<>();
            heartbeats.add(future);
            return future;
        });
    }

    /** Produce v3-v9 that, like Kafka, answers nothing when acks=0. */
    private static ApiHandler<ProduceRequestData> produce(boolean fail) {
        return new TestHandler<ProduceRequestData>(ApiKeys.PRODUCE, (short) 3, (short) 9, false, (ctx, req) -> {
            if (fail) {
                throw new IllegalStateException("produce handler bug");
            }
            return CompletableFuture.completedFuture(
                    req.acks() == 0 ? ApiResponse.noResponse() : ApiResponse.of(new ProduceResponseData()));
        });
    }

    private static ByteBuffer heartbeat(short version, int correlationId) {
        return KafkaWire.frame(
                KafkaWire.header(ApiKeys.HEARTBEAT, version, correlationId),
                new HeartbeatRequestData().setGroupId("g").setMemberId("m").setGenerationId(1));
    }

    private static ByteBuffer produceFrame(short acks, int correlationId) {
        ProduceRequestData data = new ProduceRequestData().setAcks(acks).setTimeoutMs(1000);
        ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName("t");
        topic.partitionData()
                .add(new ProduceRequestData.PartitionProduceData()
                        .setIndex(0)
                        .setRecords(MemoryRecords.withRecords(
                                Compression.NONE, new SimpleRecord("v".getBytes(StandardCharsets.UTF_8)))));
        data.topicData().add(topic);
        return KafkaWire.frame(KafkaWire.header(ApiKeys.PRODUCE, (short) 9, correlationId), data);
    }

    private static ByteBuffer apiVersions(short version, int correlationId) {
        return KafkaWire.frame(
                KafkaWire.header(ApiKeys.API_VERSIONS, version, correlationId),
                new ApiVersionsRequest.Builder().build(version));
    }

    private static ByteBuffer concat(ByteBuffer... frames) {
        int size = 0;
        for (ByteBuffer frame : frames) {
            size += frame.remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(size);
        for (ByteBuffer frame : frames) {
            all.put(frame.duplicate());
        }
        return all.flip();
    }

    @Test
    void apiVersionsRoundTripsThroughTheKafkaClientsCodecAtEveryVersion() {
        connection = new EmbeddedConnection(List.of(deferredHeartbeat()));
        for (short version = 0; version <= 3; version++) {
            RequestHeader header = KafkaWire.header(ApiKeys.API_VERSIONS, version, 100 + version);
            connection.send(KafkaWire.frame(header, new ApiVersionsRequest.Builder().build(version)));
            List<ByteBuffer> responses = connection.responses();
            assertThat(responses).hasSize(1);
            ApiVersionsResponse response = KafkaWire.parse(responses.get(0), header);
            assertThat(response.data().errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(response.data().apiKeys()).hasSize(2);
            ApiVersion own = response.apiVersion(ApiKeys.API_VERSIONS.id);
            assertThat(own.minVersion()).isEqualTo((short) 0);
            assertThat(own.maxVersion()).isEqualTo((short) 3);
            ApiVersion heartbeat = response.apiVersion(ApiKeys.HEARTBEAT.id);
            assertThat(heartbeat.minVersion()).isEqualTo((short) 1);
            assertThat(heartbeat.maxVersion()).isEqualTo((short) 4);
        }
        assertThat(connection.inFlight.count()).isZero();
        assertThat(connection.channel.isOpen()).isTrue();
    }

    @Test
    void withPipeliningResponsesLeaveInRequestOrderWhenALaterRequestCompletesFirst() {
        connection = new EmbeddedConnection(1024 * 1024, true, List.of(deferredHeartbeat()), 3, 0);
        connection.send(concat(heartbeat((short) 4, 1), heartbeat((short) 4, 2), heartbeat((short) 4, 3)));
        assertThat(heartbeats).hasSize(3);

        heartbeats.get(2).complete(ApiResponse.of(new HeartbeatResponseData()));
        heartbeats.get(1).complete(ApiResponse.of(new HeartbeatResponseData()));
        assertThat(connection.responses()).isEmpty();
        assertThat(connection.inFlight.count()).isEqualTo(3);

        heartbeats.get(0).complete(ApiResponse.of(new HeartbeatResponseData()));
        List<ByteBuffer> responses = connection.responses();
        assertThat(responses).extracting(KafkaWire::correlationId).containsExactly(1, 2, 3);
        assertThat(connection.inFlight.count()).isZero();
    }

    @Test
    void acksZeroProduceReleasesItsSlotWithoutAResponse() {
        connection = new EmbeddedConnection(List.of(produce(false)));
        connection.send(concat(produceFrame((short) 0, 10), apiVersions((short) 3, 11), produceFrame((short) 1, 12)));
        assertThat(connection.responses()).extracting(KafkaWire::correlationId).containsExactly(11, 12);
        assertThat(connection.inFlight.count()).isZero();
        assertThat(connection.channel.isOpen()).isTrue();
    }

    @Test
    void versionOutsideTheHandlersRangeGetsUnsupportedVersionWithoutReachingTheHandler() {
        connection = new EmbeddedConnection(List.of(deferredHeartbeat()));
        RequestHeader header = KafkaWire.header(ApiKeys.HEARTBEAT, (short) 0, 7);
        connection.send(KafkaWire.frame(
                header,
                new HeartbeatRequestData().setGroupId("g").setMemberId("m").setGenerationId(1)));
        HeartbeatResponse response = KafkaWire.parse(connection.responses().get(0), header);
        assertThat(response.error()).isEqualTo(Errors.UNSUPPORTED_VERSION);
        assertThat(heartbeatCalls).hasValue(0);
        assertThat(connection.channel.isOpen()).isTrue();
    }

    @Test
    void apiVersionsNewerThanSupportedIsAnsweredInTheV0LayoutWithTheSupportedList() {
        connection = new EmbeddedConnection(List.of(deferredHeartbeat()));
        RequestHeader header = KafkaWire.header(ApiKeys.API_VERSIONS, (short) 4, 21);
        connection.send(KafkaWire.frame(header, new ApiVersionsRequest.Builder().build((short) 4)));
        ByteBuffer frame = connection.responses().get(0);

        // Read exactly as v0: response header v0 (correlation id) then the v0 body, nothing left over.
        ByteBuffer v0 = frame.duplicate();
        assertThat(v0.getInt()).isEqualTo(21);
        ApiVersionsResponse parsedAsV0 = ApiVersionsResponse.parse(v0, (short) 0);
        assertThat(v0.hasRemaining()).isFalse();
        assertThat(parsedAsV0.data().errorCode()).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
        assertThat(parsedAsV0.apiVersion(ApiKeys.API_VERSIONS.id).maxVersion()).isEqualTo((short) 3);
        assertThat(parsedAsV0.apiVersion(ApiKeys.HEARTBEAT.id).maxVersion()).isEqualTo((short) 4);

        // The stock client's parser accepts it through its own v0 fallback.
        ApiVersionsResponse parsedByClient = KafkaWire.parse(frame, header);
        assertThat(parsedByClient.data().errorCode()).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
    }

    @Test
    void apiVersionsBeyondTheCodecIsAlsoAnsweredInTheV0Layout() {
        connection = new EmbeddedConnection(List.of(deferredHeartbeat()));
        // ApiVersions v9, header v2: api key, version, correlation id, null client id, no tagged fields, empty body.
        ByteBuffer payload = ByteBuffer.allocate(11);
        payload.putShort(ApiKeys.API_VERSIONS.id)
                .putShort((short) 9)
                .putInt(33)
                .putShort((short) -1)
                .put((byte) 0);
        connection.send(KafkaWire.withLength(payload.flip()));
        ByteBuffer frame = connection.responses().get(0);
        assertThat(frame.getInt()).isEqualTo(33);
        ApiVersionsResponse response = ApiVersionsResponse.parse(frame, (short) 0);
        assertThat(response.data().errorCode()).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
        assertThat(response.data().apiKeys()).hasSize(2);
    }

    @Test
    void aFailingHandlerGetsUnknownServerErrorAndTheConnectionStaysOpen() {
        connection = new EmbeddedConnection(List.of(deferredHeartbeat()));
        connection.send(concat(heartbeat((short) 4, 1), heartbeat((short) 4, 2), heartbeat((short) 4, 3)));
        heartbeats.get(0).completeExceptionally(new IllegalStateException("storage exploded"));
        heartbeats.get(1).complete(null);
        heartbeats.get(2).complete(ApiResponse.of(new ApiVersionsRequestData()));

        List<ByteBuffer> responses = connection.responses();
        assertThat(responses).extracting(KafkaWire::correlationId).containsExactly(1, 2, 3);
        for (ByteBuffer frame : responses) {
            HeartbeatResponse response = KafkaWire.parse(
                    frame, KafkaWire.header(ApiKeys.HEARTBEAT, (short) 4, KafkaWire.correlationId(frame)));
            assertThat(response.error()).isEqualTo(Errors.UNKNOWN_SERVER_ERROR);
        }
        assertThat(connection.channel.isOpen()).isTrue();
        assertThat(logs.contains("Handler failed for RequestContext{HEARTBEAT v4 correlationId=1"))
                .isTrue();
    }

    @Test
    void aHandlerThatThrowsGetsUnknownServerError() {
        connection = new EmbeddedConnection(List.of(
                new TestHandler<HeartbeatRequestData>(ApiKeys.HEARTBEAT, (short) 0, (short) 4, false, (ctx, req) -> {
                    throw new IllegalArgumentException("bug");
                })));
        RequestHeader header = KafkaWire.header(ApiKeys.HEARTBEAT, (short) 2, 4);
        connection.send(KafkaWire.frame(
                header,
                new HeartbeatRequestData().setGroupId("g").setMemberId("m").setGenerationId(1)));
        HeartbeatResponse response = KafkaWire.parse(connection.responses().get(0), header);
        assertThat(response.error()).isEqualTo(Errors.UNKNOWN_SERVER_ERROR);
        assertThat(connection.channel.isOpen()).isTrue();
    }

    @Test
    void aFailingAcksZeroProduceClosesTheConnectionSoTheClientNotices() {
        connection = new EmbeddedConnection(List.of(produce(true)));
        connection.send(produceFrame((short) 0, 5));
        assertThat(connection.channel.isOpen()).isFalse();
        assertThat(logs.contains("acks=0")).isTrue();
        assertThat(connection.inFlight.count()).isZero();
    }

    @Test
    void oversizedFrameClosesTheConnection() {
        connection = new EmbeddedConnection(1024, true, List.of(deferredHeartbeat()));
        ByteBuffer bytes = ByteBuffer.allocate(8).putInt(2000).putInt(0).flip();
        connection.send(bytes);
        assertThat(connection.channel.isOpen()).isFalse();
        assertThat(logs.contains("request frame of 2000 bytes is outside 0..1024"))
                .isTrue();
    }

    @Test
    void negativeLengthClosesTheConnection() {
        connection = new EmbeddedConnection(List.of(deferredHeartbeat()));
        connection.send(ByteBuffer.allocate(4).putInt(-5).flip());
        assertThat(connection.channel.isOpen()).isFalse();
        assertThat(logs.contains("request frame of -5 bytes")).isTrue();
    }

    @Test
    void randomBytesCloseTheConnection() {
        connection = new EmbeddedConnection(64 * 1024, true, List.of(deferredHeartbeat()));
        byte[] garbage = new byte[4096];
        new Random(42).nextBytes(garbage);
        connection.send(ByteBuffer.wrap(garbage));
        assertThat(connection.channel.isOpen()).isFalse();
        assertThat(logs.contains("Closing connection")).isTrue();
        assertThat(heartbeatCalls).hasValue(0);
    }

    @Test
    void garbageInsideAWellFormedFrameClosesTheConnection() {
        connection = new EmbeddedConnection(List.of(deferredHeartbeat()));
        byte[] garbage = new byte[40];
        new Random(7).nextBytes(garbage);
        garbage[0] = 0;
        garbage[1] = (byte) ApiKeys.HEARTBEAT.id;
        garbage[2] = 0;
        garbage[3] = 4;
        connection.send(KafkaWire.withLength(ByteBuffer.wrap(garbage)));
        assertThat(connection.channel.isOpen()).isFalse();
        assertThat(logs.contains("malformed")).isTrue();
    }

    @Test
    void truncatedFrameFollowedByCloseIsLogged() {
        connection = new EmbeddedConnection(List.of(deferredHeartbeat()));
        ByteBuffer full = heartbeat((short) 4, 1);
        ByteBuffer truncated = full.duplicate();
        truncated.limit(full.limit() - 5);
        connection.send(truncated);
        assertThat(connection.channel.isOpen()).isTrue();
        connection.channel.close();
        assertThat(logs.contains("closed inside a request frame")).isTrue();
        assertThat(heartbeatCalls).hasValue(0);
    }

    @Test
    void unknownApiKeyClosesTheConnection() {
        connection = new EmbeddedConnection(List.of(deferredHeartbeat()));
        ByteBuffer payload = ByteBuffer.allocate(10)
                .putShort((short) 999)
                .putShort((short) 0)
                .putInt(1)
                .putShort((short) -1);
        connection.send(KafkaWire.withLength(payload.flip()));
        assertThat(connection.channel.isOpen()).isFalse();
        assertThat(logs.contains("unknown API key 999")).isTrue();
    }

    @Test
    void anApiThisBrokerDoesNotServeClosesTheConnection() {
        connection = new EmbeddedConnection(List.of(deferredHeartbeat()));
        connection.send(produceFrame((short) 1, 3));
        assertThat(connection.channel.isOpen()).isFalse();
        assertThat(logs.contains("PRODUCE (key 0) is not served")).isTrue();
    }

    @Test
    void truncatedBodyInsideAFrameClosesTheConnection() {
        connection = new EmbeddedConnection(List.of(deferredHeartbeat()));
        ByteBuffer full = heartbeat((short) 4, 9);
        full.getInt();
        ByteBuffer shortened = full.slice();
        shortened.limit(shortened.limit() - 6);
        connection.send(KafkaWire.withLength(shortened));
        assertThat(connection.channel.isOpen()).isFalse();
        assertThat(logs.contains("malformed HEARTBEAT v4 body (correlation id 9"))
                .isTrue();
        assertThat(heartbeatCalls).hasValue(0);
    }

    @Test
    void frameTooShortForAHeaderClosesTheConnection() {
        connection = new EmbeddedConnection(List.of(deferredHeartbeat()));
        connection.send(KafkaWire.withLength(ByteBuffer.wrap(new byte[] {0, 12})));
        assertThat(connection.channel.isOpen()).isFalse();
        assertThat(logs.contains("too short for a request header")).isTrue();
    }

    @Test
    void requestsAfterARejectedFrameInTheSameReadAreIgnored() {
        connection = new EmbeddedConnection(List.of(deferredHeartbeat()));
        ByteBuffer unknown = KafkaWire.withLength(ByteBuffer.allocate(10)
                .putShort((short) 999)
                .putShort((short) 0)
                .putInt(1)
                .putShort((short) -1)
                .flip());
        connection.send(concat(unknown, heartbeat((short) 4, 2)));
        assertThat(connection.channel.isOpen()).isFalse();
        assertThat(heartbeatCalls).hasValue(0);
        assertThat(connection.inFlight.count()).isZero();
    }
}
