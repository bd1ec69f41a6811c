package io.sluice.broker.network.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class PeerApiVersionsTest {
    private final PeerApiVersions versions = PeerApiVersions.from(response());

    @Test
    void latestUsableIsTheTopOfTheOverlap() {
        assertThat(versions.latestUsableVersion(ApiKeys.FETCH, (short) 4, (short) 16))
                .isEqualTo((short) 12);
        assertThat(versions.latestUsableVersion(ApiKeys.FETCH, (short) 4, (short) 8))
                .isEqualTo((short) 8);
    }

    @Test
    void noOverlapOrUnknownApiIsUnsupported() {
        assertThatThrownBy(() -> versions.latestUsableVersion(ApiKeys.FETCH, (short) 13, (short) 16))
                .isInstanceOf(UnsupportedVersionException.class)
                .hasMessageContaining("peer's [4, 12]");
        assertThatThrownBy(() -> versions.latestUsableVersion(ApiKeys.FETCH, (short) 0, (short) 3))
                .isInstanceOf(UnsupportedVersionException.class);
        assertThatThrownBy(() -> versions.latestUsableVersion(ApiKeys.PRODUCE, (short) 0, (short) 9))
                .isInstanceOf(UnsupportedVersionException.class)
                .hasMessageContaining("does not support");
    }

    @Test
    void supportsChecksTheRangeAndIgnoresUnknownKeys() {
        assertThat(versions.supports(ApiKeys.FETCH, (short) 4)).isTrue();
        assertThat(versions.supports(ApiKeys.FETCH, (short) 13)).isFalse();
        assertThat(versions.supports(ApiKeys.FETCH, (short) 3)).isFalse();
        assertThat(versions.ranges()).containsOnlyKeys(ApiKeys.FETCH, ApiKeys.API_VERSIONS);
    }

    private static ApiVersionsResponseData response() {
        ApiVersionsResponseData data = new ApiVersionsResponseData();
        data.apiKeys().add(version(ApiKeys.FETCH.id, 4, 12));
        data.apiKeys().add(version(ApiKeys.API_VERSIONS.id, 0, 3));
        data.apiKeys().add(version((short) 32000, 0, 1)); // unknown to this codec
        return data;
    }

    private static ApiVersionsResponseData.ApiVersion version(short key, int min, int max) {
        return new ApiVersionsResponseData.ApiVersion()
                .setApiKey(key)
                .setMinVersion((short) min)
                .setMaxVersion((short) max);
    }
}
