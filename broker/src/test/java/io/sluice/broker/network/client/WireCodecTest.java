package io.sluice.broker.network.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.LeaderAndIsrRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class WireCodecTest {

    @Test
    void requestFrameCarriesSizeHeaderAndBody() {
        LeaderAndIsrRequestData body = new LeaderAndIsrRequestData()
                .setControllerId(1)
                .setControllerEpoch(7)
                .setBrokerEpoch(42);
        short version = 5;

        ByteBuf frame = WireCodec.encodeRequest(ApiKeys.LEADER_AND_ISR, version, "sluice-broker-1", 99, body);
        try {
            ByteBuffer buffer = frame.nioBuffer();
            assertThat(buffer.getInt()).isEqualTo(frame.readableBytes() - 4);
            RequestHeader header = RequestHeader.parse(buffer);
            assertThat(header.apiKey()).isEqualTo(ApiKeys.LEADER_AND_ISR);
            assertThat(header.apiVersion()).isEqualTo(version);
            assertThat(header.headerVersion()).isEqualTo(ApiKeys.LEADER_AND_ISR.requestHeaderVersion(version));
            assertThat(header.correlationId()).isEqualTo(99);
            assertThat(header.clientId()).isEqualTo("sluice-broker-1");
            LeaderAndIsrRequestData decoded = new LeaderAndIsrRequestData();
            decoded.read(new ByteBufferAccessor(buffer), version);
            assertThat(decoded).isEqualTo(body);
            assertThat(buffer.hasRemaining()).isFalse();
        } finally {
            frame.release();
        }
    }

    @Test
    void fieldTheVersionCannotCarryFailsEncoding() {
        // AllowAutoTopicCreation exists from Metadata v4 on; a non-default value cannot be written at v3.
        MetadataRequestData body = new MetadataRequestData().setAllowAutoTopicCreation(false);
        assertThatThrownBy(() -> WireCodec.encodeRequest(ApiKeys.METADATA, (short) 3, "c", 1, body))
                .isInstanceOf(UnsupportedVersionException.class);
    }

    @Test
    void apiVersionsResponsesUseHeaderV0AtEveryVersion() {
        for (short v = ApiKeys.API_VERSIONS.oldestVersion(); v <= ApiKeys.API_VERSIONS.latestVersion(); v++) {
            assertThat(ApiKeys.API_VERSIONS.responseHeaderVersion(v)).isZero();
        }
        ApiVersionsResponseData response = new ApiVersionsResponseData().setThrottleTimeMs(5);
        response.apiKeys()
                .add(new ApiVersionsResponseData.ApiVersion()
                        .setApiKey(ApiKeys.FETCH.id)
                        .setMinVersion((short) 4)
                        .setMaxVersion((short) 12));
        short version = ApiKeys.API_VERSIONS.latestVersion();

        ApiMessage decoded =
                WireCodec.decodeResponse(frame(11, (short) 0, response, version), ApiKeys.API_VERSIONS, version);

        assertThat(decoded).isEqualTo(response);
    }

    @Test
    void apiVersionsErrorInV0LayoutIsParsedAfterANewerRequest() {
        ApiVersionsResponseData error = new ApiVersionsResponseData().setErrorCode(Errors.UNSUPPORTED_VERSION.code());
        error.apiKeys()
                .add(new ApiVersionsResponseData.ApiVersion()
                        .setApiKey(ApiKeys.API_VERSIONS.id)
                        .setMinVersion((short) 0)
                        .setMaxVersion((short) 2));

        ApiVersionsResponseData decoded = (ApiVersionsResponseData)
                WireCodec.decodeResponse(frame(3, (short) 0, error, (short) 0), ApiKeys.API_VERSIONS, (short) 3);

        assertThat(decoded.errorCode()).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
        assertThat(decoded.apiKeys().find(ApiKeys.API_VERSIONS.id).maxVersion()).isEqualTo((short) 2);
    }

    @Test
    void fetchRecordsAreHeapSlicesOfTheFrame() {
        short version = 12;
        MemoryRecords records = MemoryRecords.withRecords(
                5L,
                Compression.NONE,
                new SimpleRecord("a".getBytes(StandardCharsets.UTF_8)),
                new SimpleRecord("b".getBytes(StandardCharsets.UTF_8)));
        FetchResponseData response = new FetchResponseData();
        FetchResponseData.FetchableTopicResponse topic = new FetchResponseData.FetchableTopicResponse().setTopic("t");
        topic.partitions()
                .add(new FetchResponseData.PartitionData()
                        .setPartitionIndex(0)
                        .setHighWatermark(7)
                        .setRecords(records));
        response.responses().add(topic);
        ByteBuffer frame = frame(8, ApiKeys.FETCH.responseHeaderVersion(version), response, version);
        assertThat(WireCodec.correlationId(frame)).isEqualTo(8);

        FetchResponseData decoded = (FetchResponseData) WireCodec.decodeResponse(frame, ApiKeys.FETCH, version);

        MemoryRecords decodedRecords =
                (MemoryRecords) decoded.responses().get(0).partitions().get(0).records();
        assertThat(decodedRecords.buffer().array()).isSameAs(frame.array());
        StringBuilder values = new StringBuilder();
        for (Record record : decodedRecords.records()) {
            values.append(record.offset())
                    .append('=')
                    .append(new String(Utils.toArray(record.value()), StandardCharsets.UTF_8))
                    .append(' ');
        }
        assertThat(values.toString()).isEqualTo("5=a 6=b ");
    }

    @Test
    void frameTooShortForAHeaderIsRejected() {
        assertThatThrownBy(() -> WireCodec.correlationId(ByteBuffer.allocate(3)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** A response frame without its size prefix, as the client's frame decoder hands it on. */
    private static ByteBuffer frame(int correlationId, short headerVersion, ApiMessage body, short version) {
        ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(correlationId);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ByteBuffer buffer = ByteBuffer.allocate(header.size(cache, headerVersion) + body.size(cache, version));
        ByteBufferAccessor writer = new ByteBufferAccessor(buffer);
        header.write(writer, cache, headerVersion);
        body.write(writer, cache, version);
        buffer.flip();
        return buffer;
    }
}
