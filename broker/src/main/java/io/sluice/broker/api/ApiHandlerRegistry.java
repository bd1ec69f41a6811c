package io.sluice.broker.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.StringJoiner;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * The immutable set of API handlers a listener serves, one per API key, and the ApiVersions answer derived from it.
 *
 * <p>The registry always contains an {@link ApiVersionsHandler} built from the other handlers; callers must not
 * register their own. Every handler's version range must lie inside what the pinned kafka-clients codec can parse,
 * so a request inside a handler's range can always be decoded and answered.
 *
 * <p>Concurrency: immutable after {@link #of}; safe to share between threads.
 */
public final class ApiHandlerRegistry {

    private final Map<ApiKeys, ApiHandler<?>> handlers;
    private final List<ApiVersion> advertised;

    private ApiHandlerRegistry(Map<ApiKeys, ApiHandler<?>> handlers, List<ApiVersion> advertised) {
        this.handlers = handlers;
        this.advertised = advertised;
    }

    /**
     * Builds a registry from {@code handlers} plus the ApiVersions handler.
     *
     * @throws IllegalArgumentException on two handlers for one API key, an ApiVersions handler, an empty or inverted
     *     version range, or a range the kafka-clients codec cannot parse
     */
    public static ApiHandlerRegistry of(List<? extends ApiHandler<?>> handlers) {
        Map<ApiKeys, ApiHandler<?>> byKey = new EnumMap<>(ApiKeys.class);
        for (ApiHandler<?> handler : handlers) {
            Objects.requireNonNull(handler, "handler");
            ApiKeys key = Objects.requireNonNull(handler.apiKey(), "apiKey");
            if (key == ApiKeys.API_VERSIONS) {
                throw new IllegalArgumentException("ApiVersions is answered by the registry itself; do not register "
                        + handler.getClass().getName());
            }
            validateRange(handler);
            ApiHandler<?> previous = byKey.putIfAbsent(key, handler);
            if (previous != null) {
                throw new IllegalArgumentException(
                        "Two handlers for " + key + ": " + previous.getClass().getName() + " and "
                                + handler.getClass().getName());
            }
        }
        List<ApiVersion> advertised = new ArrayList<>();
        advertised.add(versionOf(ApiKeys.API_VERSIONS, ApiVersionsHandler.MIN_VERSION, ApiVersionsHandler.MAX_VERSION));
        for (ApiHandler<?> handler : byKey.values()) {
            advertised.add(versionOf(handler.apiKey(), handler.minVersion(), handler.maxVersion()));
        }
        advertised.sort(Comparator.comparingInt(ApiVersion::apiKey));
        List<ApiVersion> frozen = Collections.unmodifiableList(advertised);
        byKey.put(ApiKeys.API_VERSIONS, new ApiVersionsHandler(frozen));
        return new ApiHandlerRegistry(Collections.unmodifiableMap(byKey), frozen);
    }

    private static void validateRange(ApiHandler<?> handler) {
        ApiKeys key = handler.apiKey();
        short min = handler.minVersion();
        short max = handler.maxVersion();
        short codecMin = key.messageType.lowestSupportedVersion();
        short codecMax = key.messageType.highestSupportedVersion(true);
        if (min > max || min < codecMin || max > codecMax) {
            throw new IllegalArgumentException(handler.getClass().getName() + " declares " + key + " v" + min + "-v"
                    + max + " but the codec supports v" + codecMin + "-v" + codecMax);
        }
    }

    private static ApiVersion versionOf(ApiKeys key, short min, short max) {
        return new ApiVersion().setApiKey(key.id).setMinVersion(min).setMaxVersion(max);
    }

    /** The handler for {@code apiKey}, if this registry serves it. */
    public Optional<ApiHandler<?>> handler(ApiKeys apiKey) {
        return Optional.ofNullable(handlers.get(apiKey));
    }

    /** Whether {@code version} of {@code apiKey} is served. */
    public boolean supports(ApiKeys apiKey, short version) {
        ApiHandler<?> handler = handlers.get(apiKey);
        return handler != null && version >= handler.minVersion() && version <= handler.maxVersion();
    }

    /** The advertised (API key, min, max) list as a fresh, mutable collection for a response. */
    public ApiVersionCollection apiVersions() {
        return copyOf(advertised);
    }

    /**
     * The answer to an ApiVersions request whose version is not supported: {@code UNSUPPORTED_VERSION} with the
     * supported list, to be encoded at version 0 (the layout every client can read) so the client can downgrade.
     */
    public ApiVersionsResponseData unsupportedApiVersionsResponse() {
        return new ApiVersionsResponseData()
                .setErrorCode(Errors.UNSUPPORTED_VERSION.code())
                .setApiKeys(apiVersions());
    }

    static ApiVersionCollection copyOf(List<ApiVersion> versions) {
        ApiVersionCollection collection = new ApiVersionCollection(versions.size());
        for (ApiVersion version : versions) {
            collection.add(version.duplicate());
        }
        return collection;
    }

    @Override
    public String toString() {
        StringJoiner joiner = new StringJoiner(", ", "ApiHandlerRegistry{", "}");
        for (ApiVersion version : advertised) {
            joiner.add(ApiKeys.forId(version.apiKey()) + " v" + version.minVersion() + "-" + version.maxVersion());
        }
        return joiner.toString();
    }
}
