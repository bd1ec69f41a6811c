package io.sluice.broker.server;

import io.sluice.broker.metadata.MetadataCache;
import io.sluice.broker.network.client.BrokerClient;
import io.sluice.broker.network.client.BrokerClientPool;
import io.sluice.controller.Controller;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.apache.kafka.common.message.ControlledShutdownRequestData;
import org.apache.kafka.common.message.ControlledShutdownResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the active controller to move this broker's leaderships away before it stops (Kafka's controlled shutdown).
 * The request goes straight to the local {@link Controller} when this broker is the active controller, otherwise as
 * a ControlledShutdown request (v1-v3, with the broker epoch from v2) to the controller broker named by the metadata
 * cache. The controller answers with the partitions this broker still leads; the request is repeated until that set
 * is empty or {@code maxAttempts} requests were made, {@code retryBackoff} apart. When the metadata cache names no
 * other live broker, no partition can move: the last live broker of a cluster gives up after its first answer instead
 * of waiting out the retries.
 *
 * <p>Concurrency: used once, by the thread that shuts the broker down; it blocks that thread for at most
 * {@code maxAttempts × (requestTimeout + retryBackoff)}.
 */
final class ControlledShutdownClient {
    private static final Logger log = LoggerFactory.getLogger(ControlledShutdownClient.class);
    private static final short MIN_VERSION = 1;
    private static final short MAX_VERSION = 3;

    private final int brokerId;
    private final LongSupplier brokerEpoch;
    private final Controller controller;
    private final MetadataCache cache;
    private final BrokerClientPool brokerPool;
    private final Duration requestTimeout;
    private final int maxAttempts;
    private final Duration retryBackoff;

    ControlledShutdownClient(
            int brokerId,
            LongSupplier brokerEpoch,
            Controller controller,
            MetadataCache cache,
            BrokerClientPool brokerPool,
            Duration requestTimeout,
            int maxAttempts,
            Duration retryBackoff) {
        this.brokerId = brokerId;
        this.brokerEpoch = Objects.requireNonNull(brokerEpoch, "brokerEpoch");
        this.controller = Objects.requireNonNull(controller, "controller");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.brokerPool = Objects.requireNonNull(brokerPool, "brokerPool");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        this.maxAttempts = maxAttempts;
        this.retryBackoff = Objects.requireNonNull(retryBackoff, "retryBackoff");
    }

    /**
     * Runs the controlled shutdown.
     *
     * @return true if the controller reported that this broker leads no partition any more
     */
    boolean run() {
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            try {
                ControlledShutdownResponseData response = send();
                Errors error = Errors.forCode(response.errorCode());
                int remaining = response.remainingPartitions().size();
                if (error == Errors.NONE && remaining == 0) {
                    log.info("[Broker {}] controlled shutdown succeeded (attempt {})", brokerId, attempt);
                    return true;
                }
                log.info(
                        "[Broker {}] controlled shutdown attempt {}/{}: error {}, {} partitions still led here",
                        brokerId,
                        attempt,
                        maxAttempts,
                        error,
                        remaining);
                if (error == Errors.NONE && lastLiveBroker()) {
                    log.warn(
                            "[Broker {}] controlled shutdown gives up: no other live broker can lead the {} partitions",
                            brokerId,
                            remaining);
                    return false;
                }
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                log.info(
                        "[Broker {}] controlled shutdown attempt {}/{} failed: {}",
                        brokerId,
                        attempt,
                        maxAttempts,
                        cause.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                log.warn("[Broker {}] controlled shutdown interrupted", brokerId);
                return false;
            }
            if (attempt < maxAttempts && !pause()) {
                return false;
            }
        }
        log.warn("[Broker {}] controlled shutdown did not complete after {} attempts", brokerId, maxAttempts);
        return false;
    }

    private ControlledShutdownResponseData send() throws ExecutionException, InterruptedException, TimeoutException {
        long epoch = brokerEpoch.getAsLong();
        CompletionStage<ControlledShutdownResponseData> answer;
        if (controller.isActive()) {
            answer = controller.controlledShutdown(brokerId, epoch);
        } else {
            OptionalInt controllerId = cache.controllerId();
            Optional<BrokerClient> client =
                    controllerId.isPresent() ? brokerPool.client(controllerId.getAsInt()) : Optional.empty();
            if (client.isEmpty()) {
                return new ControlledShutdownResponseData().setErrorCode(Errors.NOT_CONTROLLER.code());
            }
            ControlledShutdownRequestData request =
                    new ControlledShutdownRequestData().setBrokerId(brokerId).setBrokerEpoch(epoch);
            answer = client.get()
                    .sendLatest(ApiKeys.CONTROLLED_SHUTDOWN, MIN_VERSION, MAX_VERSION, request, requestTimeout)
                    .thenApply(ControlledShutdownResponseData.class::cast);
        }
        return answer.toCompletableFuture().get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** True if the metadata cache knows of no live broker but this one. */
    private boolean lastLiveBroker() {
        var alive = cache.aliveBrokers();
        return !alive.isEmpty() && alive.stream().allMatch(b -> b.id() == brokerId);
    }

    private boolean pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(retryBackoff.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
