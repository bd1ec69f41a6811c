package io.sluice.replication.sim;

import io.sluice.replication.epoch.EpochEndOffset;
import io.sluice.replication.partition.FetchIsolation;
import io.sluice.replication.partition.FetchParams;
import io.sluice.replication.partition.Partition;
import io.sluice.replication.partition.PartitionFetch;
import io.sluice.replication.partition.ReadResult;
import io.sluice.testsupport.ManualClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;

/**
 * The brokers' replication network and the follower side of fetching. A pair of brokers can be blocked (messages
 * between them are dropped, including those already on their way) or slow (messages take a fixed delay); messages
 * are delivered in (delivery time, send order).
 *
 * <p>Follower fetching mirrors the fetcher thread (ReplicaFetcherThread with PartitionAnswerApplier and
 * FollowerTruncation): one fetch in flight per follower partition and fetch session (incarnation, leader, leader
 * epoch); fetch offset = log end, last fetched epoch from the epoch cache; the leader's real
 * {@code ReplicaManager.fetchMessages} answers; an answer is applied only while the follower still follows the same
 * leader at the same epoch (the thread drops answers of removed partitions); a diverging epoch truncates, data is
 * appended with the leader's high watermark, OFFSET_OUT_OF_RANGE truncates as FollowerTruncation decides, other errors
 * wait for the next fetch. A lost request or answer frees the session for the next fetch, as the thread's response
 * timeout does.
 *
 * <p>Concurrency: confined to the driver thread.
 */
final class SimNetwork {
    /** What the network needs to know about the brokers. */
    interface Brokers {
        boolean isRunning(int brokerId);

        long incarnation(int brokerId);

        SimBroker broker(int brokerId);
    }

    private record Message(long deliverAt, long seq, int from, int to, Runnable action, Runnable onDrop) {}

    private final ManualClock clock;
    private final Trace trace;
    private final Brokers brokers;
    private final boolean[][] blocked;
    private final long[][] delayMs;
    private final PriorityQueue<Message> inFlight = new PriorityQueue<>((a, b) -> a.deliverAt() != b.deliverAt()
            ? Long.compare(a.deliverAt(), b.deliverAt())
            : Long.compare(a.seq(), b.seq()));
    /** The follower fetch in flight per (broker, partition): the fetch session it belongs to. */
    private final Map<String, String> fetchInFlight = new HashMap<>();

    private long messageSeq;

    SimNetwork(int brokerCount, ManualClock clock, Trace trace, Brokers brokers) {
        this.clock = clock;
        this.trace = trace;
        this.brokers = brokers;
        this.blocked = new boolean[brokerCount][brokerCount];
        this.delayMs = new long[brokerCount][brokerCount];
    }

    void block(int a, int b) {
        blocked[a][b] = blocked[b][a] = true;
        trace.add("network: " + a + " <-/-> " + b);
    }

    void delay(int a, int b, long ms) {
        delayMs[a][b] = delayMs[b][a] = ms;
        trace.add("network: " + a + " <-> " + b + " delayed " + ms + " ms");
    }

    void heal() {
        for (boolean[] row : blocked) {
            Arrays.fill(row, false);
        }
        for (long[] row : delayMs) {
            Arrays.fill(row, 0L);
        }
        trace.add("network: healed");
    }

    /**
     * A crashed broker's fetch sessions are gone with it; its requests still in the network are delivered later, as
     * a real network may (the leader sees a fetch of the old incarnation, with its old broker epoch).
     */
    void forgetFetchesOf(int brokerId) {
        fetchInFlight.keySet().removeIf(k -> k.startsWith(brokerId + "/"));
    }

    long nextDelivery() {
        return inFlight.isEmpty() ? Long.MAX_VALUE : inFlight.peek().deliverAt();
    }

    /** Delivers the messages due at {@code now}, dropping those whose pair got blocked meanwhile. */
    void deliverDue(long now) {
        while (!inFlight.isEmpty() && inFlight.peek().deliverAt() <= now) {
            Message m = inFlight.poll();
            if (blocked[m.from()][m.to()]) {
                trace.add("network: dropped delayed " + m.from() + " -> " + m.to());
                m.onDrop().run();
                continue;
            }
            m.action().run();
        }
    }

    private void send(int from, int to, Runnable action, Runnable onDrop) {
        if (blocked[from][to]) {
            trace.add("network: dropped " + from + " -> " + to);
            onDrop.run();
            return;
        }
        long d = delayMs[from][to];
        if (d == 0) {
            action.run();
        } else {
            inFlight.add(new Message(clock.millis() + d, messageSeq++, from, to, action, onDrop));
        }
    }

    /** The fetcher thread gives up on a lost request after its timeout and fetches again. */
    private Runnable fetchLost(int f, TopicPartition tp, String session) {
        return () -> fetchInFlight.remove(f + "/" + tp, session);
    }

    private static String session(long incarnation, int leader, int epoch) {
        return incarnation + "/" + leader + "/" + epoch;
    }

    /** One fetch of follower {@code f} for {@code tp}, as its fetcher thread would send it. */
    void fetch(int f, TopicPartition tp) {
        if (!brokers.isRunning(f)) {
            return;
        }
        Optional<Partition> maybe = brokers.broker(f).partition(tp);
        if (maybe.isEmpty() || maybe.get().isLeader() || maybe.get().state().leaderId() < 0) {
            return;
        }
        Partition p = maybe.get();
        int leader = p.state().leaderId();
        int epoch = p.leaderEpoch();
        String key = f + "/" + tp;
        String session = session(brokers.incarnation(f), leader, epoch);
        if (session.equals(fetchInFlight.get(key))) {
            return;
        }
        fetchInFlight.put(key, session);
        long inc = brokers.incarnation(f);
        long brokerEpoch = brokers.broker(f).brokerEpoch();
        PartitionFetch fetch = new PartitionFetch(
                tp,
                p.logEndOffset(),
                p.logStartOffset(),
                64 * 1024,
                epoch,
                p.latestEpoch().orElse(-1));
        trace.add("fetch " + f + " -> " + leader + " " + tp + "@" + fetch.fetchOffset() + " e" + epoch + " last e"
                + fetch.lastFetchedEpoch());
        send(f, leader, () -> serveFetch(f, inc, brokerEpoch, p, leader, epoch, fetch), fetchLost(f, tp, session));
    }

    /** Mirrors the leader's FetchHandler: the fetch carries the broker epoch the follower had when it sent it. */
    private void serveFetch(
            int f, long inc, long brokerEpoch, Partition p, int leader, int epoch, PartitionFetch fetch) {
        Runnable lost = fetchLost(f, fetch.topicPartition(), session(inc, leader, epoch));
        if (!brokers.isRunning(leader)) {
            lost.run();
            return;
        }
        ReadResult[] out = new ReadResult[1];
        brokers.broker(leader)
                .replicaManager()
                .fetchMessages(
                        new FetchParams(f, 0, 1, 4 * 1024 * 1024, FetchIsolation.LOG_END, brokerEpoch),
                        List.of(fetch),
                        r -> out[0] = r.get(fetch.topicPartition()));
        ReadResult r = out[0];
        MemoryRecords records;
        try {
            records = r.records().isPresent() ? r.records().get().readRecords() : MemoryRecords.EMPTY;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        send(leader, f, () -> applyFetch(f, inc, p, leader, epoch, r, records), lost);
    }

    /** Mirrors PartitionAnswerApplier for one partition. */
    private void applyFetch(int f, long inc, Partition p, int leader, int epoch, ReadResult r, MemoryRecords records) {
        TopicPartition tp = p.topicPartition();
        String key = f + "/" + tp;
        if (session(inc, leader, epoch).equals(fetchInFlight.get(key))) {
            fetchInFlight.remove(key);
        }
        boolean current = brokers.isRunning(f)
                && brokers.incarnation(f) == inc
                && brokers.broker(f).partition(tp).orElse(null) == p
                && !p.isLeader()
                && p.state().leaderId() == leader
                && p.leaderEpoch() == epoch;
        if (!current) {
            trace.add("fetch answer " + leader + " -> " + f + " " + tp + " ignored (stale session)");
            return;
        }
        if (r.error() == Errors.OFFSET_OUT_OF_RANGE) {
            long leo = p.logEndOffset();
            if (r.logStartOffset() >= 0 && leo < r.logStartOffset()) {
                p.truncateFullyAndStartAt(r.logStartOffset());
            } else if (r.highWatermark() >= 0 && leo > r.highWatermark()) {
                p.truncateTo(r.highWatermark());
            }
            trace.add("fetch answer " + leader + " -> " + f + " " + tp + ": OFFSET_OUT_OF_RANGE, LEO now "
                    + p.logEndOffset());
            return;
        }
        if (r.error() != Errors.NONE) {
            trace.add("fetch answer " + leader + " -> " + f + " " + tp + ": " + r.error());
            return;
        }
        if (r.divergingEpoch().isPresent()) {
            int divEpoch = r.divergingEpoch().get().epoch();
            long divEnd = r.divergingEpoch().get().endOffset();
            long leo = p.logEndOffset();
            long target = truncationOffset(leo, p, divEpoch, divEnd);
            // Like the applier: truncate even at the log end (drops epochs that start there); if that changes
            // nothing the fetcher backs off, which here is simply the next fetch.
            p.truncateTo(Math.min(target, leo));
            trace.add("fetch answer " + leader + " -> " + f + " " + tp + ": diverging e" + divEpoch + "@" + divEnd
                    + ", truncated " + leo + " -> " + p.logEndOffset());
            return;
        }
        long leo = p.appendRecordsFromLeader(records, r.highWatermark(), r.logStartOffset());
        trace.add("fetch answer " + leader + " -> " + f + " " + tp + ": " + records.sizeInBytes() + " B, LEO " + leo
                + ", HW " + p.highWatermark());
    }

    /** Mirrors FollowerTruncation.offsetForDivergingEpoch. */
    private static long truncationOffset(long leo, Partition p, int divergingEpoch, long divergingEndOffset) {
        if (divergingEndOffset < 0) {
            return leo;
        }
        EpochEndOffset local = p.endOffsetForEpoch(divergingEpoch);
        if (local.endOffset() == EpochEndOffset.UNDEFINED_EPOCH_OFFSET) {
            return Math.min(divergingEndOffset, leo);
        }
        if (local.epoch() != divergingEpoch) {
            return Math.min(local.endOffset(), leo);
        }
        return Math.min(Math.min(local.endOffset(), divergingEndOffset), leo);
    }
}
