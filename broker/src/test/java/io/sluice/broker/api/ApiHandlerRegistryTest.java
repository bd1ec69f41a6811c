package io.sluice.broker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ApiHandlerRegistryTest {

    private record Fixed(ApiKeys apiKey, short minVersion, short maxVersion) implements ApiHandler<ApiMessage> {
        @Override
        public CompletionStage<ApiResponse> handle(RequestContext context, ApiMessage request) {
            return CompletableFuture.completedFuture(ApiResponse.of(new HeartbeatResponseData()));
        }
    }

    private static Fixed handler(ApiKeys key, int min, int max) {
        return new Fixed(key, (short) min, (short) max);
    }

    private static RequestContext context(short version) {
        return new RequestContext(
                new RequestHeader(ApiKeys.API_VERSIONS, version, "client", 1),
                "PLAINTEXT",
                new InetSocketAddress("127.0.0.1", 1234),
                "c-1",
                0L);
    }

    @SuppressWarnings("unchecked")
    private static ApiVersionsResponseData ask(ApiHandlerRegistry registry, short version, ApiVersionsRequestData req) {
        ApiHandler<ApiVersionsRequestData> handler = (ApiHandler<ApiVersionsRequestData>)
                registry.handler(ApiKeys.API_VERSIONS).orElseThrow();
        ApiResponse response =
                handler.handle(context(version), req).toCompletableFuture().join();
        return (ApiVersionsResponseData) ((ApiResponse.Send) response).message();
    }

    @Test
    void advertisesExactlyTheRegisteredRangesPlusApiVersions() {
        ApiHandlerRegistry registry =
                ApiHandlerRegistry.of(List.of(handler(ApiKeys.METADATA, 1, 12), handler(ApiKeys.PRODUCE, 3, 9)));
        ApiVersionsResponseData response = ask(
                registry,
                (short) 3,
                new ApiVersionsRequestData().setClientSoftwareName("java").setClientSoftwareVersion("3.9.2"));
        assertThat(response.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(response.apiKeys())
                .extracting(ApiVersion::apiKey, ApiVersion::minVersion, ApiVersion::maxVersion)
                .containsExactly(
                        tuple(ApiKeys.PRODUCE.id, (short) 3, (short) 9),
                        tuple(ApiKeys.METADATA.id, (short) 1, (short) 12),
                        tuple(ApiKeys.API_VERSIONS.id, (short) 0, (short) 3));
        assertThat(response.finalizedFeaturesEpoch()).isEqualTo(-1L);
        assertThat(registry.supports(ApiKeys.METADATA, (short) 12)).isTrue();
        assertThat(registry.supports(ApiKeys.METADATA, (short) 0)).isFalse();
        assertThat(registry.supports(ApiKeys.FETCH, (short) 12)).isFalse();
        assertThat(registry.handler(ApiKeys.FETCH)).isEmpty();
    }

    @Test
    void apiVersionsV3WithAnInvalidClientSoftwareNameIsAnInvalidRequest() {
        ApiHandlerRegistry registry = ApiHandlerRegistry.of(List.of());
        ApiVersionsResponseData response = ask(
                registry,
                (short) 3,
                new ApiVersionsRequestData().setClientSoftwareName("bad name!").setClientSoftwareVersion("1"));
        assertThat(response.errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
    }

    @Test
    void theUnsupportedVersionAnswerCarriesTheSupportedList() {
        ApiHandlerRegistry registry = ApiHandlerRegistry.of(List.of(handler(ApiKeys.HEARTBEAT, 0, 4)));
        ApiVersionsResponseData response = registry.unsupportedApiVersionsResponse();
        assertThat(response.errorCode()).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
        assertThat(response.apiKeys()).hasSize(2);
        // Each call returns fresh objects: a response may be mutated without affecting the registry.
        response.apiKeys().clear();
        assertThat(registry.apiVersions()).hasSize(2);
    }

    @Test
    void rejectsTwoHandlersForOneKey() {
        assertThatThrownBy(() -> ApiHandlerRegistry.of(
                        List.of(handler(ApiKeys.HEARTBEAT, 0, 4), handler(ApiKeys.HEARTBEAT, 1, 2))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Two handlers for HEARTBEAT");
    }

    @Test
    void rejectsAnApiVersionsHandler() {
        assertThatThrownBy(() -> ApiHandlerRegistry.of(List.of(handler(ApiKeys.API_VERSIONS, 0, 3))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ApiVersions is answered by the registry");
    }

    @Test
    void rejectsRangesTheCodecCannotParseOrThatAreInverted() {
        assertThatThrownBy(() -> ApiHandlerRegistry.of(List.of(handler(ApiKeys.HEARTBEAT, 0, 99))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("codec supports");
        assertThatThrownBy(() -> ApiHandlerRegistry.of(List.of(handler(ApiKeys.HEARTBEAT, 3, 1))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void handlersAreNotBlockingOnlyWhenTheySaySo() {
        ApiHandlerRegistry registry = ApiHandlerRegistry.of(List.of(handler(ApiKeys.HEARTBEAT, 0, 4)));
        assertThat(registry.handler(ApiKeys.HEARTBEAT).orElseThrow().mayBlock()).isTrue();
        assertThat(registry.handler(ApiKeys.API_VERSIONS).orElseThrow().mayBlock())
                .isFalse();
    }
}
