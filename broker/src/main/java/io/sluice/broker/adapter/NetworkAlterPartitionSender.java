package io.sluice.broker.adapter;

import io.sluice.broker.metadata.MetadataCache;
import io.sluice.broker.metadata.MetadataSnapshot;
import io.sluice.broker.network.client.BrokerClient;
import io.sluice.broker.network.client.BrokerClientPool;
import io.sluice.replication.partition.AlterPartitionSender;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.DisconnectException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the leaders' AlterPartition requests to the current controller, as named by the {@link MetadataCache}, over a
 * {@link BrokerClientPool} that follows the cache (see {@link MetadataClientPoolUpdater}).
 *
 * <p><b>Versions.</b> The replication module fills topic names and {@code newIsrWithEpochs}. When the cache knows the
 * id of every topic, the request goes out as v3 with topic ids (keeping the ISR members' broker epochs); otherwise as
 * v1 with topic names and {@code newIsr}. The same fallback applies when the controller's broker does not speak v3.
 * Answers are returned with topic names filled in, whatever version carried them.
 *
 * <p><b>Retries.</b> No known controller, a disconnect, a timeout or {@code NOT_CONTROLLER} re-read the controller
 * id and try again after {@code retryBackoff}, at most {@code maxAttempts} times in all; then the last answer (or
 * failure) is returned. Other errors are returned as they are: the ISR logic decides.
 *
 * <p>Concurrency: thread-safe and non-blocking; stages complete on client event loops or the delay executor.
 */
public final class NetworkAlterPartitionSender implements AlterPartitionSender {
    private static final Logger log = LoggerFactory.getLogger(NetworkAlterPartitionSender.class);
    static final short TOPIC_ID_VERSION = 3;
    static final short TOPIC_NAME_VERSION = 1;

    private final MetadataCache cache;
    private final BrokerClientPool pool;
    private final Duration requestTimeout;
    private final int maxAttempts;
    private final Duration retryBackoff;

    public NetworkAlterPartitionSender(
            MetadataCache cache,
            BrokerClientPool pool,
            Duration requestTimeout,
            int maxAttempts,
            Duration retryBackoff) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
        }
        this.cache = Objects.requireNonNull(cache, "cache");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        this.maxAttempts = maxAttempts;
        this.retryBackoff = Objects.requireNonNull(retryBackoff, "retryBackoff");
    }

    @Override
    public CompletionStage<AlterPartitionResponseData> send(AlterPartitionRequestData request) {
        CompletableFuture<AlterPartitionResponseData> result = new CompletableFuture<>();
        attempt(Prepared.of(request, cache.snapshot()), 1, result);
        return result;
    }

    private void attempt(Prepared prepared, int attempt, CompletableFuture<AlterPartitionResponseData> result) {
        OptionalInt controller = cache.controllerId();
        Optional<BrokerClient> client = controller.isPresent() ? pool.client(controller.getAsInt()) : Optional.empty();
        if (client.isEmpty()) {
            retryOrFinish(
                    prepared,
                    attempt,
                    result,
                    null,
                    new DisconnectException("No known controller (controller id "
                            + (controller.isPresent() ? controller.getAsInt() : "none") + ")"));
            return;
        }
        CompletableFuture<AlterPartitionResponseData> sent;
        try {
            sent = client.get()
                    .send(
                            ApiKeys.ALTER_PARTITION,
                            prepared.version,
                            prepared.request,
                            requestTimeout,
                            AlterPartitionResponseData.class);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((response, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause()
                        : failure;
                if (cause instanceof UnsupportedVersionException && prepared.version == TOPIC_ID_VERSION) {
                    attempt(prepared.withTopicNames(), attempt, result);
                } else if (cause instanceof DisconnectException || cause instanceof TimeoutException) {
                    retryOrFinish(prepared, attempt, result, null, cause);
                } else {
                    result.completeExceptionally(cause);
                }
            } else if (response.errorCode() == Errors.NOT_CONTROLLER.code()) {
                retryOrFinish(prepared, attempt, result, response, null);
            } else {
                result.complete(prepared.withNames(response));
            }
        });
    }

    private void retryOrFinish(
            Prepared prepared,
            int attempt,
            CompletableFuture<AlterPartitionResponseData> result,
            AlterPartitionResponseData lastResponse,
            Throwable lastFailure) {
        if (attempt >= maxAttempts) {
            log.warn(
                    "AlterPartition from broker {} gave up after {} attempts: {}",
                    prepared.request.brokerId(),
                    attempt,
                    lastResponse != null ? Errors.forCode(lastResponse.errorCode()) : lastFailure.toString());
            if (lastResponse != null) {
                result.complete(prepared.withNames(lastResponse));
            } else {
                result.completeExceptionally(lastFailure);
            }
            return;
        }
        log.debug(
                "AlterPartition attempt {} failed ({}); retrying in {} ms",
                attempt,
                lastResponse != null ? Errors.forCode(lastResponse.errorCode()) : lastFailure.toString(),
                retryBackoff.toMillis());
        CompletableFuture.delayedExecutor(retryBackoff.toMillis(), TimeUnit.MILLISECONDS)
                .execute(() -> attempt(prepared, attempt + 1, result));
    }

    /** The request as sent, its version, and the topic names of the ids it carries. */
    private record Prepared(
            AlterPartitionRequestData original,
            AlterPartitionRequestData request,
            short version,
            Map<Uuid, String> names) {

        static Prepared of(AlterPartitionRequestData original, MetadataSnapshot snapshot) {
            AlterPartitionRequestData copy = original.duplicate();
            Map<Uuid, String> names = new HashMap<>();
            boolean allIds = true;
            for (AlterPartitionRequestData.TopicData topic : copy.topics()) {
                Uuid id = topic.topicId();
                if (Uuid.ZERO_UUID.equals(id)) {
                    id = snapshot.topicId(topic.topicName());
                    topic.setTopicId(id);
                }
                if (Uuid.ZERO_UUID.equals(id)) {
                    allIds = false;
                } else if (topic.topicName() != null && !topic.topicName().isEmpty()) {
                    names.put(id, topic.topicName());
                } else {
                    Uuid known = id;
                    snapshot.topicName(known).ifPresent(name -> names.put(known, name));
                }
            }
            Prepared prepared = new Prepared(original, copy, TOPIC_ID_VERSION, names);
            return allIds ? prepared : prepared.withTopicNames();
        }

        /**
         * The v1 form: topic names, and {@code newIsr} from {@code newIsrWithEpochs} (the members' broker epochs,
         * which v1 cannot carry, are dropped).
         */
        Prepared withTopicNames() {
            AlterPartitionRequestData copy = original.duplicate();
            for (AlterPartitionRequestData.TopicData topic : copy.topics()) {
                if (topic.topicName() == null || topic.topicName().isEmpty()) {
                    topic.setTopicName(names.getOrDefault(topic.topicId(), ""));
                }
                for (AlterPartitionRequestData.PartitionData p : topic.partitions()) {
                    if (p.newIsr().isEmpty() && !p.newIsrWithEpochs().isEmpty()) {
                        p.setNewIsr(p.newIsrWithEpochs().stream()
                                .map(AlterPartitionRequestData.BrokerState::brokerId)
                                .toList());
                    }
                    p.setNewIsrWithEpochs(new ArrayList<>());
                }
            }
            return new Prepared(original, copy, TOPIC_NAME_VERSION, names);
        }

        /** {@code response} with topic names set on topics answered by id. */
        AlterPartitionResponseData withNames(AlterPartitionResponseData response) {
            for (AlterPartitionResponseData.TopicData topic : response.topics()) {
                if ((topic.topicName() == null || topic.topicName().isEmpty()) && names.containsKey(topic.topicId())) {
                    topic.setTopicName(names.get(topic.topicId()));
                }
            }
            return response;
        }
    }
}
