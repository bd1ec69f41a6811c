package io.sluice.broker.network.client;

import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * One request of a {@link BrokerClient}, from submission to its response or failure.
 *
 * <pre>
 *   QUEUED ──write──▶ IN_FLIGHT ──response──▶ DONE
 *     └──────timeout / failure / close──────────▲
 * </pre>
 *
 * <p>Concurrency: created on a caller thread, then owned by the client's event loop (all fields but the final
 * ones are read and written there only). The {@link #future} may be completed by the loop or cancelled by the
 * caller.
 */
final class PendingRequest {
    enum Stage {
        QUEUED,
        IN_FLIGHT,
        DONE
    }

    final ApiKeys api;
    final short minVersion;
    final short maxVersion;
    final ApiMessage body;
    final Duration timeout;
    final CompletableFuture<ApiMessage> future = new CompletableFuture<>();
    /** True for the ApiVersions request the client sends itself after connecting. */
    final boolean handshake;

    Stage stage = Stage.QUEUED;
    int correlationId = -1;
    short version = -1;
    long sentAtNanos;
    ScheduledFuture<?> timeoutTask;

    PendingRequest(
            ApiKeys api, short minVersion, short maxVersion, ApiMessage body, Duration timeout, boolean handshake) {
        this.api = api;
        this.minVersion = minVersion;
        this.maxVersion = maxVersion;
        this.body = body;
        this.timeout = timeout;
        this.handshake = handshake;
    }

    /**
     * A caller's request, checked: {@code body} must be a {@code api} message, the range within what this codec
     * can encode, the timeout positive.
     *
     * @throws IllegalArgumentException otherwise
     */
    static PendingRequest validated(
            ApiKeys api, short minVersion, short maxVersion, ApiMessage body, Duration timeout) {
        Objects.requireNonNull(api, "api");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(timeout, "timeout");
        if (body.apiKey() != api.id) {
            throw new IllegalArgumentException("request " + body.getClass().getSimpleName() + " is not " + api);
        }
        if (minVersion > maxVersion || minVersion < api.oldestVersion() || maxVersion > api.latestVersion(true)) {
            throw new IllegalArgumentException(
                    "version range [" + minVersion + ", " + maxVersion + "] of " + api + " is outside this codec's");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        return new PendingRequest(api, minVersion, maxVersion, body, timeout, false);
    }

    /** Marks the request done and cancels its timer; false if it was already done. */
    boolean finish() {
        if (stage == Stage.DONE) {
            return false;
        }
        stage = Stage.DONE;
        if (timeoutTask != null) {
            timeoutTask.cancel(false);
            timeoutTask = null;
        }
        return true;
    }

    String describe() {
        return api.name
                + (version >= 0 ? " v" + version : "")
                + (correlationId >= 0 ? " correlationId=" + correlationId : "");
    }
}
