package io.sluice.replication.partition;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the ISR changes of every leader partition of this broker to the controller in batches, with at most one
 * AlterPartition request outstanding at a time (the role of Kafka's AlterPartitionManager, KIP-497).
 *
 * <pre>
 *   submit(tp, change) ──► queued (one entry per partition; a newer change replaces a queued one, whose future
 *                          │                                  fails with {@link SupersededException})
 *                          ▼  when no request is outstanding
 *                      one request with every queued change ──► controller
 *                          │
 *   answer, top-level NONE ─► each partition's future completes with its own answer (errors included); the changes
 *                             queued meanwhile go out at once in the next request
 *   network failure, or a   ─► every change of the request is queued again (unless a newer one for its partition
 *   top-level error            arrived meanwhile) and the next request goes out after the retry backoff
 * </pre>
 *
 * <p>The queue holds at most one change per partition, so it is bounded by the number of partitions this broker
 * leads. A change is sent with this broker's current epoch (read when the request is built, so a retry after the broker
 * re-registered carries the new one), for the request and for this broker's own entry in the proposed ISR.
 *
 * <p>Logging: nothing per partition. Failed requests and per-partition errors are counted and reported in one line at
 * most every {@link #LOG_INTERVAL_MS} ms (the first at once).
 *
 * <p>Concurrency: thread-safe. {@code lock} guards the queue and the outstanding flag only; requests are sent and
 * futures completed outside it. Futures complete on the sender's thread, or on the caller's for a rejected submit.
 */
final class AlterPartitionManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AlterPartitionManager.class);

    /** Shortest pause between two summary lines about failed requests or per-partition errors. */
    static final long LOG_INTERVAL_MS = 10_000;

    /** The future of a change that a newer change of the same partition replaced before it was sent. */
    static final class SupersededException extends RuntimeException {
        SupersededException(TopicPartition tp) {
            super("AlterPartition change of " + tp + " replaced by a newer one before it was sent");
        }
    }

    /** The future of a change still queued when the manager closed. */
    static final class ClosedException extends RuntimeException {
        ClosedException() {
            super("AlterPartition manager closed");
        }
    }

    private record Change(
            TopicPartition tp,
            AlterPartitionRequestData.PartitionData data,
            CompletableFuture<AlterPartitionResponseData.PartitionData> future) {}

    private final int brokerId;
    private final AlterPartitionSender sender;
    private final LongSupplier brokerEpoch;
    private final ScheduledExecutorService scheduler;
    private final long retryBackoffMs;
    private final LongSupplier nanoClock;
    private final String logPrefix;

    private final Object lock = new Object();
    /** Guarded by {@code lock}: the changes waiting for the next request, in arrival order. */
    private final LinkedHashMap<TopicPartition, Change> queued = new LinkedHashMap<>();
    /** Guarded by {@code lock}: a request is outstanding, or a retry of one is scheduled. */
    private boolean outstanding;
    /** Guarded by {@code lock}. */
    private boolean closed;
    /** Guarded by {@code lock}: requests sent, retries included. */
    private long requestsSent;

    // Guarded by {@code lock}: what the next summary line reports, and when the last one was logged.
    private int failedRequests;
    private Throwable lastFailure;
    private final Map<Errors, Integer> partitionErrors = new EnumMap<>(Errors.class);
    private long lastSummaryNanos;
    private boolean summarized;

    AlterPartitionManager(
            int brokerId,
            AlterPartitionSender sender,
            LongSupplier brokerEpoch,
            ScheduledExecutorService scheduler,
            long retryBackoffMs) {
        this(brokerId, sender, brokerEpoch, scheduler, retryBackoffMs, System::nanoTime);
    }

    AlterPartitionManager(
            int brokerId,
            AlterPartitionSender sender,
            LongSupplier brokerEpoch,
            ScheduledExecutorService scheduler,
            long retryBackoffMs,
            LongSupplier nanoClock) {
        this.brokerId = brokerId;
        this.sender = sender;
        this.brokerEpoch = brokerEpoch;
        this.scheduler = scheduler;
        this.retryBackoffMs = retryBackoffMs;
        this.nanoClock = nanoClock;
        this.logPrefix = "[AlterPartitionManager broker=" + brokerId + "] ";
    }

    /**
     * Queues an ISR change of {@code tp} ({@code leaderEpoch}, {@code partitionEpoch}, {@code newIsrWithEpochs}) for
     * the next request. The future completes with the controller's answer for this partition (which may carry a
     * partition-level error); it fails only with {@link SupersededException} or {@link ClosedException}. Failed
     * requests are retried here, not by the caller.
     */
    CompletableFuture<AlterPartitionResponseData.PartitionData> submit(
            TopicPartition tp, AlterPartitionRequestData.PartitionData data) {
        Change change = new Change(tp, data.duplicate(), new CompletableFuture<>());
        Change replaced;
        List<Change> batch = null;
        synchronized (lock) {
            if (closed) {
                change.future().completeExceptionally(new ClosedException());
                return change.future();
            }
            replaced = queued.put(tp, change);
            if (!outstanding) {
                outstanding = true;
                batch = drainLocked();
            }
        }
        if (replaced != null) {
            replaced.future().completeExceptionally(new SupersededException(tp));
        }
        if (batch != null) {
            send(batch);
        }
        return change.future();
    }

    /** The number of changes waiting for the next request. */
    int queuedCount() {
        synchronized (lock) {
            return queued.size();
        }
    }

    /** Whether a request is outstanding or a retry of one scheduled. */
    boolean isOutstanding() {
        synchronized (lock) {
            return outstanding;
        }
    }

    /** Requests sent so far (retries included). */
    long requestsSent() {
        synchronized (lock) {
            return requestsSent;
        }
    }

    /** Fails the queued changes; an outstanding request still completes its own. Idempotent. */
    @Override
    public void close() {
        List<Change> dropped;
        synchronized (lock) {
            closed = true;
            dropped = new ArrayList<>(queued.values());
            queued.clear();
        }
        dropped.forEach(c -> c.future().completeExceptionally(new ClosedException()));
    }

    private List<Change> drainLocked() {
        List<Change> batch = new ArrayList<>(queued.values());
        queued.clear();
        return batch;
    }

    private void send(List<Change> batch) {
        AlterPartitionRequestData request = request(batch);
        synchronized (lock) {
            requestsSent++;
        }
        CompletionStage<AlterPartitionResponseData> stage;
        try {
            stage = sender.send(request);
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        stage.whenComplete((response, failure) -> {
            try {
                onAnswer(batch, response, failure);
            } catch (RuntimeException e) {
                LOG.error(
                        "{}Failed to handle the answer to an AlterPartition of {} partitions",
                        logPrefix,
                        batch.size(),
                        e);
            }
        });
    }

    /** One request for {@code batch}, topics grouped in order, with this broker's current epoch. */
    private AlterPartitionRequestData request(List<Change> batch) {
        long epoch = brokerEpoch.getAsLong();
        Map<String, AlterPartitionRequestData.TopicData> topics = new LinkedHashMap<>();
        for (Change change : batch) {
            AlterPartitionRequestData.PartitionData data = change.data().duplicate();
            for (AlterPartitionRequestData.BrokerState member : data.newIsrWithEpochs()) {
                if (member.brokerId() == brokerId) {
                    member.setBrokerEpoch(epoch);
                }
            }
            topics.computeIfAbsent(change.tp().topic(), t -> new AlterPartitionRequestData.TopicData().setTopicName(t))
                    .partitions()
                    .add(data);
        }
        return new AlterPartitionRequestData()
                .setBrokerId(brokerId)
                .setBrokerEpoch(epoch)
                .setTopics(new ArrayList<>(topics.values()));
    }

    private void onAnswer(List<Change> batch, AlterPartitionResponseData response, Throwable failure) {
        Throwable cause =
                failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause == null && response.errorCode() != Errors.NONE.code()) {
            cause = Errors.forCode(response.errorCode()).exception();
        }
        if (cause != null) {
            retryLater(batch, cause);
            return;
        }
        Map<TopicPartition, AlterPartitionResponseData.PartitionData> answers = new HashMap<>(batch.size() * 2);
        for (AlterPartitionResponseData.TopicData topic : response.topics()) {
            for (AlterPartitionResponseData.PartitionData p : topic.partitions()) {
                answers.put(new TopicPartition(topic.topicName(), p.partitionIndex()), p);
            }
        }
        synchronized (lock) {
            outstanding = false;
        }
        Map<Errors, Integer> errors = new EnumMap<>(Errors.class);
        for (Change change : batch) {
            AlterPartitionResponseData.PartitionData answer = answers.get(change.tp());
            if (answer == null) {
                // the controller left it out: an error for that partition alone (its owner decides)
                answer = new AlterPartitionResponseData.PartitionData()
                        .setPartitionIndex(change.tp().partition())
                        .setErrorCode(Errors.UNKNOWN_SERVER_ERROR.code());
            }
            Errors error = Errors.forCode(answer.errorCode());
            if (error != Errors.NONE) {
                errors.merge(error, 1, Integer::sum);
            }
            completeQuietly(change, answer);
        }
        LOG.debug("{}AlterPartition of {} partitions answered; errors {}", logPrefix, batch.size(), errors);
        report(0, null, errors);
        sendQueued();
    }

    private void completeQuietly(Change change, AlterPartitionResponseData.PartitionData answer) {
        try {
            change.future().complete(answer);
        } catch (RuntimeException e) {
            LOG.error("{}Failed to apply the AlterPartition answer of {}", logPrefix, change.tp(), e);
        }
    }

    /** Sends the queued changes if no request is outstanding. */
    private void sendQueued() {
        List<Change> batch;
        synchronized (lock) {
            if (outstanding || queued.isEmpty() || closed) {
                return;
            }
            outstanding = true;
            batch = drainLocked();
        }
        send(batch);
    }

    /** Puts the changes of a failed request back (unless superseded) and sends them again after the backoff. */
    private void retryLater(List<Change> batch, Throwable cause) {
        List<Change> superseded = new ArrayList<>();
        boolean wasClosed;
        synchronized (lock) {
            wasClosed = closed;
            if (!wasClosed) {
                // the failed changes go first: they are older than whatever arrived meanwhile
                LinkedHashMap<TopicPartition, Change> merged = new LinkedHashMap<>();
                for (Change change : batch) {
                    if (queued.containsKey(change.tp())) {
                        superseded.add(change);
                    } else {
                        merged.put(change.tp(), change);
                    }
                }
                merged.putAll(queued);
                queued.clear();
                queued.putAll(merged);
            }
        }
        if (wasClosed) {
            batch.forEach(c -> c.future().completeExceptionally(new ClosedException()));
            return;
        }
        superseded.forEach(c -> c.future().completeExceptionally(new SupersededException(c.tp())));
        report(1, cause, Map.of());
        try {
            scheduler.schedule(this::retryNow, retryBackoffMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.info("{}Scheduler stopped; not retrying AlterPartition", logPrefix);
            close();
        }
    }

    private void retryNow() {
        synchronized (lock) {
            outstanding = false;
        }
        sendQueued();
    }

    /**
     * Adds a request's failure or its per-partition errors to the summary and logs the summary if the last one is at
     * least {@link #LOG_INTERVAL_MS} old.
     */
    private void report(int failed, Throwable failure, Map<Errors, Integer> errors) {
        if (failed == 0 && errors.isEmpty()) {
            return;
        }
        int requests;
        Throwable last;
        Map<Errors, Integer> counts;
        int stillQueued;
        synchronized (lock) {
            failedRequests += failed;
            if (failure != null) {
                lastFailure = failure;
            }
            errors.forEach((e, n) -> partitionErrors.merge(e, n, Integer::sum));
            long now = nanoClock.getAsLong();
            if (summarized && now - lastSummaryNanos < TimeUnit.MILLISECONDS.toNanos(LOG_INTERVAL_MS)) {
                return;
            }
            summarized = true;
            lastSummaryNanos = now;
            requests = failedRequests;
            last = lastFailure;
            counts = new EnumMap<>(partitionErrors);
            stillQueued = queued.size();
            failedRequests = 0;
            lastFailure = null;
            partitionErrors.clear();
        }
        if (requests > 0) {
            LOG.warn(
                    "{}{} AlterPartition request(s) failed since the last report (last: {}); {} partition changes wait,"
                            + " retrying every {} ms; partition errors: {}",
                    logPrefix,
                    requests,
                    last,
                    stillQueued,
                    retryBackoffMs,
                    counts);
        } else {
            LOG.info("{}AlterPartition partition errors since the last report: {}", logPrefix, counts);
        }
    }
}
