package io.sluice.chaos.check;

import io.sluice.chaos.check.Anomaly.Kind;
import io.sluice.chaos.check.FaultAvailability.PartitionAvailability;
import io.sluice.chaos.check.HistoryIndex.FaultTimes;
import io.sluice.chaos.check.HistoryIndex.ValueInfo;
import io.sluice.chaos.history.Event;
import io.sluice.chaos.history.Fault;
import io.sluice.chaos.history.Phase;
import io.sluice.chaos.history.Sample;
import io.sluice.chaos.history.Send;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Availability per fault and the liveness rule.
 *
 * <p><b>Affected partitions</b> of a fault: those whose leader, in the last sample at or before the fault's START,
 * is one of its targets; when there is none (ZooKeeper, a controller leading nothing, a network fault on clients of a
 * broker leading nothing, no sample yet) every partition. For each: the ms from START to the first acknowledgement of
 * a write <em>sent</em> at or after START (an ack of an older write may have been in flight before the fault bit), and
 * to the first poll of a workload consumer that returned a value sent at or after START (the whole path, produce,
 * replicate, consume, works again; a poll of older records may have been fetched before the fault bit).
 *
 * <p><b>Liveness</b>: a window opens when a fault heals (or the run's HEALED phase begins) while no other fault is
 * active (a fault is active from START to HEALED), and closes at the next START or at the final read. A partition is
 * <em>waiting</em> from the first send after its last ack (or from the ack, when sends were still outstanding) to its
 * next ack; failed sends keep it waiting, and so does an idle pause of up to {@link #IDLE_BRIDGE_MS} between a failed
 * send and the next (a producer backing off); a longer idle pause ends the wait (producers stopped sending). A wait
 * overlapping a window for longer than the limit is {@link Kind#UNAVAILABLE_AFTER_HEAL}, once per partition and window
 * (its longest wait). Stateless between calls.
 */
final class Availability {
    static final long IDLE_BRIDGE_MS = 1_000;

    private Availability() {}

    static List<FaultAvailability> run(HistoryIndex index, Anomalies out) {
        Map<String, FirstAfter> acks = ackTimes(index);
        Map<String, FirstAfter> reads = new HashMap<>();
        index.consumerReads.forEach((p, l) -> reads.put(p, new FirstAfter(l[0].toArray(), l[1].toArray())));
        List<Window> windows = windows(index);
        longestWaits(index, windows, out);

        List<FaultAvailability> result = new ArrayList<>();
        Map<String, Integer> leaders = new HashMap<>();
        List<FaultTimes> faults = new ArrayList<>(index.faults.values());
        faults.sort((a, b) -> Long.compare(a.start, b.start));
        int sample = 0;
        for (FaultTimes f : faults) {
            while (sample < index.samples.size() && index.samples.get(sample).t() <= f.start) {
                Sample s = index.samples.get(sample++);
                if (s.partitions() != null) {
                    s.partitions().forEach((p, ps) -> {
                        if (ps != null) {
                            leaders.put(p, ps.leader());
                        }
                    });
                }
            }
            List<String> affected = new ArrayList<>();
            for (String p : index.partitions) {
                Integer leader = leaders.get(p);
                if (leader != null && leader >= 0 && f.targets.contains(leader)) {
                    affected.add(p);
                }
            }
            boolean clusterWide = affected.isEmpty();
            if (clusterWide) {
                affected.addAll(index.partitions);
            }
            List<PartitionAvailability> partitions = new ArrayList<>();
            for (String p : affected) {
                long msToAck = -1;
                long msToRead = -1;
                if (f.start >= 0) {
                    FirstAfter a = acks.get(p);
                    long ackT = a == null ? -1 : a.firstAckOfSendFrom(f.start);
                    msToAck = ackT < 0 ? -1 : ackT - f.start;
                    FirstAfter r = reads.get(p);
                    long readT = r == null ? -1 : r.firstAckOfSendFrom(f.start);
                    msToRead = readT < 0 ? -1 : readT - f.start;
                }
                partitions.add(new PartitionAvailability(p, msToAck, msToRead));
            }
            Window window = windows.stream()
                    .filter(w -> f.id.equals(w.faultId))
                    .findFirst()
                    .orElse(null);
            result.add(new FaultAvailability(
                    f.id,
                    f.name,
                    List.copyOf(f.targets),
                    f.start,
                    f.stop,
                    f.healed,
                    clusterWide,
                    partitions,
                    window == null ? -1 : window.end,
                    window == null ? -1 : window.longest,
                    window == null ? null : window.longestPartition,
                    window == null ? -1 : window.longestStart));
        }
        return result;
    }

    /** The liveness windows, in time order. */
    static List<Window> windows(HistoryIndex index) {
        record Mark(long t, int order, String faultId, MarkKind kind) {}
        List<Mark> marks = new ArrayList<>();
        int order = 0;
        for (Event e : index.events) {
            if (e instanceof Fault f && f.id() != null && f.op() != null) {
                if (f.op() == Fault.Op.START) {
                    marks.add(new Mark(f.t(), order++, f.id(), MarkKind.START));
                } else if (f.op() == Fault.Op.HEALED) {
                    marks.add(new Mark(f.t(), order++, f.id(), MarkKind.HEALED));
                }
            } else if (e instanceof Phase p && p.name() != null) {
                if (p.name() == Phase.Name.HEALED) {
                    marks.add(new Mark(p.t(), order++, null, MarkKind.RUN_HEALED));
                } else if (p.name() == Phase.Name.FINAL_READ || p.name() == Phase.Name.DONE) {
                    marks.add(new Mark(p.t(), order++, null, MarkKind.CLOSE));
                }
            }
        }
        marks.sort((a, b) -> a.t != b.t ? Long.compare(a.t, b.t) : Integer.compare(a.order, b.order));
        List<Window> windows = new ArrayList<>();
        Set<String> active = new HashSet<>();
        Window open = null;
        for (Mark m : marks) {
            switch (m.kind) {
                case START -> {
                    if (open != null) {
                        open.end = m.t;
                        open = null;
                    }
                    active.add(m.faultId);
                }
                case HEALED -> {
                    boolean wasActive = active.remove(m.faultId);
                    if (wasActive && active.isEmpty() && open == null) {
                        open = new Window(m.t, m.faultId);
                        windows.add(open);
                    }
                }
                case RUN_HEALED -> {
                    if (active.isEmpty() && open == null) {
                        open = new Window(m.t, null);
                        windows.add(open);
                    }
                }
                case CLOSE -> {
                    if (open != null) {
                        open.end = m.t;
                        open = null;
                    }
                    active.clear();
                    active.add("\0after the final read");
                }
            }
        }
        if (open != null) {
            open.end = index.endT;
        }
        return windows;
    }

    /** Fills each window's longest wait and reports waits over the limit. */
    private static void longestWaits(HistoryIndex index, List<Window> windows, Anomalies out) {
        if (windows.isEmpty()) {
            return;
        }
        long[] windowStarts = windows.stream().mapToLong(w -> w.start).toArray();
        long limit = index.settings.livenessLimitMs();
        for (String partition : index.partitions) {
            LongList steps = index.sendSteps.get(partition);
            if (steps == null) {
                continue;
            }
            List<ValueInfo> stepValues = index.sendStepValues.get(partition);
            Map<Window, Wait> longestHere = new HashMap<>();
            forEachWait(steps, stepValues, (from, to, endedBy) -> {
                int i = Arrays.binarySearch(windowStarts, from);
                int w = i >= 0 ? i : Math.max(0, -i - 2);
                for (; w < windows.size() && windows.get(w).start < to; w++) {
                    Window window = windows.get(w);
                    long a = Math.max(from, window.start);
                    long b = Math.min(to, window.end);
                    if (b - a > 0) {
                        Wait best = longestHere.get(window);
                        if (best == null || b - a > best.to - best.from) {
                            longestHere.put(window, new Wait(a, b, endedBy, b < to ? to : -1));
                        }
                    }
                }
            });
            for (Window window : windows) {
                Wait wait = longestHere.get(window);
                if (wait == null) {
                    continue;
                }
                long ms = wait.to - wait.from;
                if (ms > window.longest) {
                    window.longest = ms;
                    window.longestPartition = partition;
                    window.longestStart = wait.from;
                }
                if (ms > limit) {
                    String after = window.faultId == null
                            ? "the run's HEALED phase (t=" + window.start + ")"
                            : "fault " + window.faultId + " healed (t=" + window.start + ")";
                    String ended;
                    if (wait.endedBy != null && wait.ackedAt >= 0) {
                        ended = "still none when the window closed at t=" + wait.to + "; " + wait.endedBy.value
                                + " was acknowledged at t=" + wait.ackedAt;
                    } else if (wait.endedBy != null) {
                        ended = "until " + wait.endedBy.value + " was acknowledged at t=" + wait.to;
                    } else {
                        ended = "no ack until t=" + wait.to;
                    }
                    out.add(
                            Kind.UNAVAILABLE_AFTER_HEAL,
                            partition,
                            wait.endedBy == null ? -1 : wait.endedBy.ackOffset,
                            wait.endedBy == null ? List.of() : List.of(wait.endedBy.value),
                            wait.from,
                            producersOf(stepValues),
                            partition + " acknowledged nothing for " + ms + " ms from t=" + wait.from + " (" + ended
                                    + ") after " + after + " with no fault active; limit " + limit + " ms");
                }
            }
        }
    }

    /** Calls {@code sink} with every interval in which the partition waited for an ack, in order. */
    static void forEachWait(LongList steps, List<ValueInfo> stepValues, WaitSink sink) {
        final long none = Long.MIN_VALUE;
        int pending = 0;
        long waitingSince = none;
        long idleSince = none;
        long lastActivity = none;
        for (int i = 0; i < steps.size(); i++) {
            long step = steps.get(i);
            long t = step >>> 2;
            int op = (int) (step & 3);
            lastActivity = Math.max(lastActivity, t);
            switch (op) {
                case HistoryIndex.INVOKE -> {
                    if (waitingSince != none && pending == 0 && idleSince != none && t - idleSince > IDLE_BRIDGE_MS) {
                        sink.accept(waitingSince, idleSince, null);
                        waitingSince = none;
                    }
                    if (waitingSince == none) {
                        waitingSince = t;
                    }
                    pending++;
                    idleSince = none;
                }
                case HistoryIndex.OK -> {
                    pending = Math.max(0, pending - 1);
                    if (waitingSince != none) {
                        sink.accept(waitingSince, t, stepValues.get(i));
                    }
                    waitingSince = pending > 0 ? t : none;
                    idleSince = none;
                }
                default -> {
                    pending = Math.max(0, pending - 1);
                    if (pending == 0) {
                        idleSince = t;
                    }
                }
            }
        }
        if (waitingSince != none) {
            long end = pending > 0 || idleSince == none ? lastActivity : idleSince;
            if (end > waitingSince) {
                sink.accept(waitingSince, end, null);
            }
        }
    }

    private static List<String> producersOf(List<ValueInfo> values) {
        Set<String> producers = new java.util.TreeSet<>();
        for (ValueInfo v : values) {
            if (v.process != null) {
                producers.add(v.process);
                if (producers.size() > 4) {
                    break;
                }
            }
        }
        return List.copyOf(producers);
    }

    private static Map<String, FirstAfter> ackTimes(HistoryIndex index) {
        Map<String, LongList[]> lists = new HashMap<>();
        for (List<ValueInfo> values : index.producers.values()) {
            for (ValueInfo v : values) {
                if (v.outcome == Send.Op.OK && v.partition != null) {
                    LongList[] l =
                            lists.computeIfAbsent(v.partition, k -> new LongList[] {new LongList(), new LongList()});
                    l[0].add(v.invokeT);
                    l[1].add(v.outcomeT);
                }
            }
        }
        Map<String, FirstAfter> result = new HashMap<>();
        lists.forEach((p, l) -> result.put(p, new FirstAfter(l[0].toArray(), l[1].toArray())));
        return result;
    }

    private static int lowerBound(long[] sorted, long key) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < key) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /**
     * Events that each carry a send time and a completion time (acks of writes; polls, with the newest send time of
     * the values they returned), sorted by send time with the earliest completion of every suffix: the first
     * completion of something sent at or after a time, in O(log n).
     */
    private static final class FirstAfter {
        private final long[] sent;
        private final long[] earliestAckFrom;

        FirstAfter(long[] sent, long[] acked) {
            int n = sent.length;
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Long.compare(sent[a], sent[b]));
            this.sent = new long[n];
            this.earliestAckFrom = new long[n];
            for (int k = 0; k < n; k++) {
                this.sent[k] = sent[order[k]];
            }
            long min = Long.MAX_VALUE;
            for (int k = n - 1; k >= 0; k--) {
                min = Math.min(min, acked[order[k]]);
                earliestAckFrom[k] = min;
            }
        }

        /** The earliest completion of something sent at or after {@code t}, -1 if none. */
        long firstAckOfSendFrom(long t) {
            int i = lowerBound(sent, t);
            return i < sent.length ? earliestAckFrom[i] : -1;
        }
    }

    private enum MarkKind {
        START,
        HEALED,
        RUN_HEALED,
        CLOSE
    }

    /** Receives one wait: from, to, and the acknowledged value that ended it (null if none did). */
    @FunctionalInterface
    interface WaitSink {
        void accept(long from, long to, ValueInfo endedBy);
    }

    /**
     * A wait for an ack inside one window, from {@code from} to {@code to}; {@code endedBy} the value whose ack ended
     * the wait (null if none did); {@code ackedAt} that ack's time when the window closed before it, else -1.
     */
    private record Wait(long from, long to, ValueInfo endedBy, long ackedAt) {}

    /** A liveness window: from a heal with no fault active to the next fault or the final read. */
    static final class Window {
        final long start;
        final String faultId;
        long end = Long.MAX_VALUE;
        long longest;
        String longestPartition;
        long longestStart = -1;

        Window(long start, String faultId) {
            this.start = start;
            this.faultId = faultId;
        }
    }
}
