package io.sluice.broker.network.client;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The API version ranges a peer broker advertised in its ApiVersions response. Immutable; API keys unknown to
 * this codec are ignored.
 */
public final class PeerApiVersions {

    /** An inclusive version range. */
    public record Range(short min, short max) {
        public Range {
            if (min < 0 || max < min) {
                throw new IllegalArgumentException("invalid version range [" + min + ", " + max + "]");
            }
        }
    }

    private final Map<ApiKeys, Range> ranges;

    private PeerApiVersions(Map<ApiKeys, Range> ranges) {
        this.ranges = Collections.unmodifiableMap(ranges);
    }

    /** Builds the peer view from an ApiVersions response (error code is not checked here). */
    public static PeerApiVersions from(ApiVersionsResponseData response) {
        Map<ApiKeys, Range> map = new EnumMap<>(ApiKeys.class);
        for (ApiVersionsResponseData.ApiVersion v : response.apiKeys()) {
            if (ApiKeys.hasId(v.apiKey()) && v.minVersion() >= 0 && v.maxVersion() >= v.minVersion()) {
                map.put(ApiKeys.forId(v.apiKey()), new Range(v.minVersion(), v.maxVersion()));
            }
        }
        return new PeerApiVersions(map);
    }

    /** The peer's range for {@code api}, or empty if the peer does not offer it. */
    public Optional<Range> range(ApiKeys api) {
        return Optional.ofNullable(ranges.get(api));
    }

    /** All advertised ranges, by API. */
    public Map<ApiKeys, Range> ranges() {
        return ranges;
    }

    /** True if the peer accepts {@code api} at {@code version}. */
    public boolean supports(ApiKeys api, short version) {
        Range r = ranges.get(api);
        return r != null && version >= r.min() && version <= r.max();
    }

    /**
     * The highest version in both the peer's range and {@code [ourMin, ourMax]}.
     *
     * @throws UnsupportedVersionException if the ranges do not overlap or the peer does not offer {@code api}
     */
    public short latestUsableVersion(ApiKeys api, short ourMin, short ourMax) {
        Range r = ranges.get(api);
        if (r == null) {
            throw new UnsupportedVersionException("peer does not support " + api);
        }
        short max = (short) Math.min(ourMax, r.max());
        if (max < ourMin || max < r.min()) {
            throw new UnsupportedVersionException("no usable version of " + api + ": ours [" + ourMin + ", " + ourMax
                    + "], peer's [" + r.min() + ", " + r.max() + "]");
        }
        return max;
    }

    @Override
    public String toString() {
        return "PeerApiVersions" + ranges;
    }
}
