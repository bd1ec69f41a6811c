package io.sluice.replication.sim;

import io.sluice.replication.partition.AppendResult;
import io.sluice.replication.partition.FetchIsolation;
import io.sluice.replication.partition.FetchParams;
import io.sluice.replication.partition.Partition;
import io.sluice.replication.partition.PartitionFetch;
import io.sluice.replication.partition.ReadResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;

/**
 * The client models: an idempotent acks=all producer (one batch in flight, retried with the same sequence until
 * acknowledged, like the Java client with {@code max.in.flight=1}), a plain producer with acks=1 or acks=all and no
 * retries, and a consumer reading below the high watermark. What they are told goes to the {@link Checker}.
 *
 * <p>Concurrency: confined to the driver thread; produce callbacks run on it too (inside {@code appendRecords}, or
 * when a fetch, an AlterPartition answer or a LeaderAndIsr completes the delayed produce).
 */
final class SimClients {
    /** Where clients send: the broker the client believes leads (or, to model stale metadata, another one). */
    interface Cluster {
        Optional<SimBroker> target(TopicPartition tp);

        long now();
    }

    static final long CLIENT_TIMEOUT_MS = 5_000L;
    private static final Set<Errors> RETRIABLE = Set.of(
            Errors.NOT_LEADER_OR_FOLLOWER,
            Errors.NOT_ENOUGH_REPLICAS,
            Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
            Errors.REQUEST_TIMED_OUT,
            Errors.UNKNOWN_TOPIC_OR_PARTITION,
            Errors.KAFKA_STORAGE_ERROR);

    private final Cluster cluster;
    private final Checker checker;
    private final Trace trace;

    SimClients(Cluster cluster, Checker checker, Trace trace) {
        this.cluster = cluster;
        this.checker = checker;
        this.trace = trace;
    }

    static MemoryRecords records(long producerId, int baseSequence, long timestamp, List<String> values) {
        SimpleRecord[] records = new SimpleRecord[values.size()];
        for (int i = 0; i < records.length; i++) {
            records[i] = new SimpleRecord(timestamp, null, values.get(i).getBytes(StandardCharsets.UTF_8));
        }
        return producerId < 0
                ? MemoryRecords.withRecords(0L, Compression.NONE, records)
                : MemoryRecords.withIdempotentRecords(
                        0L, Compression.NONE, producerId, (short) 0, baseSequence, -1, records);
    }

    /** An idempotent producer for one partition. */
    final class IdempotentProducer {
        private final TopicPartition tp;
        private final long producerId;
        private int nextSequence;
        private long lastAckedOffset = -1L;
        private List<String> inFlight;
        private int attempt;
        private long sentAtMs;
        private boolean answered;
        private final Map<Integer, Long> ackedBase = new java.util.HashMap<>();

        IdempotentProducer(TopicPartition tp, long producerId) {
            this.tp = tp;
            this.producerId = producerId;
        }

        /** Sends a new batch, or resends the one in flight if it failed or timed out; otherwise waits. */
        void step(int size) {
            if (inFlight == null) {
                List<String> values = new ArrayList<>();
                for (int i = 0; i < size; i++) {
                    values.add("i" + tp.partition() + "-" + (nextSequence + i));
                }
                inFlight = values;
                attempt = 0;
                send();
            } else if (answered || cluster.now() - sentAtMs >= CLIENT_TIMEOUT_MS) {
                send();
            }
        }

        private void send() {
            int myAttempt = ++attempt;
            int seq = nextSequence;
            List<String> values = inFlight;
            sentAtMs = cluster.now();
            answered = false;
            Optional<SimBroker> target = cluster.target(tp);
            if (target.isEmpty()) {
                trace.add("idem " + tp + " seq " + seq + " attempt " + myAttempt + ": no leader");
                answered = true;
                return;
            }
            int broker = target.get().id;
            trace.add("idem " + tp + " seq " + seq + " attempt " + myAttempt + " -> " + broker);
            target.get()
                    .replicaManager()
                    .appendRecords(
                            CLIENT_TIMEOUT_MS,
                            (short) -1,
                            Map.of(tp, records(producerId, seq, cluster.now(), values)),
                            r -> onAnswer(seq, values, myAttempt, broker, r.get(tp)));
        }

        private void onAnswer(int seq, List<String> values, int myAttempt, int broker, AppendResult r) {
            trace.add("idem " + tp + " seq " + seq + " attempt " + myAttempt + " from " + broker + ": " + r.error()
                    + " base " + r.baseOffset() + (r.duplicate() ? " (dup)" : ""));
            if (r.error() == Errors.NONE) {
                Long previous = ackedBase.putIfAbsent(seq, r.baseOffset());
                if (previous != null && previous != r.baseOffset()) {
                    Checker.fail("idempotence: " + tp + " seq " + seq + " acknowledged at " + previous + " and "
                            + r.baseOffset());
                }
                if (r.lastOffset() - r.baseOffset() + 1 != values.size()) {
                    Checker.fail("acknowledged offsets " + r.baseOffset() + ".." + r.lastOffset() + " for "
                            + values.size() + " records");
                }
                for (int i = 0; i < values.size(); i++) {
                    checker.mustSurvive(tp, r.baseOffset() + i, values.get(i), "acks=all ack from " + broker);
                }
                if (inFlight != null && seq == nextSequence) {
                    if (r.baseOffset() <= lastAckedOffset) {
                        Checker.fail("per-partition order: " + tp + " seq " + seq + " at " + r.baseOffset()
                                + " not after " + lastAckedOffset);
                    }
                    lastAckedOffset = r.lastOffset();
                    nextSequence += values.size();
                    inFlight = null;
                }
            } else if (!RETRIABLE.contains(r.error())) {
                Checker.fail("idempotent producer got non-retriable " + r.error() + " for " + tp + " seq " + seq + ": "
                        + r.message());
            } else if (myAttempt == attempt && seq == nextSequence) {
                answered = true;
            }
        }
    }

    /** A producer without idempotence or retries; each send is one record. */
    final class PlainProducer {
        private final TopicPartition tp;
        private int next;

        PlainProducer(TopicPartition tp) {
            this.tp = tp;
        }

        void send(boolean acksAll) {
            String value = "a" + tp.partition() + "-" + next++;
            Optional<SimBroker> target = cluster.target(tp);
            if (target.isEmpty()) {
                return;
            }
            int broker = target.get().id;
            boolean[] returned = {false};
            target.get()
                    .replicaManager()
                    .appendRecords(
                            CLIENT_TIMEOUT_MS,
                            (short) (acksAll ? -1 : 1),
                            Map.of(tp, records(-1L, 0, cluster.now(), List.of(value))),
                            r -> {
                                AppendResult result = r.get(tp);
                                trace.add("plain " + tp + " '" + value + "' acks=" + (acksAll ? "all" : "1") + " -> "
                                        + broker + ": " + result.error() + " @" + result.baseOffset());
                                if (result.error() == Errors.NONE && acksAll) {
                                    checker.mustSurvive(tp, result.baseOffset(), value, "acks=all ack");
                                } else if (!returned[0]
                                        && (result.error() == Errors.NOT_LEADER_OR_FOLLOWER
                                                || result.error() == Errors.NOT_ENOUGH_REPLICAS)) {
                                    // Answered inside appendRecords with a pre-append error: nothing was written.
                                    checker.neverVisible(value);
                                }
                            });
            returned[0] = true;
        }
    }

    /** A consumer of one partition reading below the high watermark. */
    final class Consumer {
        private final TopicPartition tp;
        private long position;

        Consumer(TopicPartition tp) {
            this.tp = tp;
        }

        void poll() {
            Optional<SimBroker> target = cluster.target(tp);
            if (target.isEmpty()) {
                return;
            }
            int broker = target.get().id;
            ReadResult[] out = new ReadResult[1];
            target.get()
                    .replicaManager()
                    .fetchMessages(
                            new FetchParams(-1, 0, 1, 64 * 1024, FetchIsolation.HIGH_WATERMARK),
                            List.of(new PartitionFetch(
                                    tp, position, -1L, 64 * 1024, Partition.NO_EPOCH, Partition.NO_EPOCH)),
                            r -> out[0] = r.get(tp));
            ReadResult r = out[0];
            if (r == null) {
                Checker.fail("a fetch with max wait 0 did not answer at once");
            }
            if (r.error() == Errors.OFFSET_OUT_OF_RANGE) {
                Checker.fail("consumer at " + position + " of " + tp + " got OFFSET_OUT_OF_RANGE from " + broker
                        + " (HW " + r.highWatermark() + ", LEO " + r.logEndOffset() + ")");
            }
            if (r.error() != Errors.NONE || r.records().isEmpty()) {
                trace.add("consume " + tp + "@" + position + " from " + broker + ": " + r.error());
                return;
            }
            int count = 0;
            try {
                for (RecordBatch batch : r.records().get().readRecords().batches()) {
                    for (Record record : batch) {
                        if (record.offset() < position) {
                            continue;
                        }
                        if (record.offset() >= r.highWatermark()) {
                            Checker.fail("consumer read " + tp + "@" + record.offset() + " at or above HW "
                                    + r.highWatermark() + " from " + broker);
                        }
                        checker.mustSurvive(tp, record.offset(), LogImage.value(record), "consumed from " + broker);
                        position = record.offset() + 1;
                        count++;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            trace.add("consume " + tp + " from " + broker + ": " + count + " records, now at " + position);
        }
    }
}
