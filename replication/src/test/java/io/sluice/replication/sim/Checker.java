package io.sluice.replication.sim;

import io.sluice.replication.partition.Partition;
import io.sluice.replication.partition.PartitionState;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * The invariants of docs/design.md#invariants as the simulation can observe them. Knowledge accumulates from three sources: records
 * below any replica's high watermark ("committed"), records acknowledged to acks=all producers and records seen by
 * consumers ("must survive"), and sends that failed before anything was written ("never visible").
 *
 * <p>Per step: one value per offset below any replica's high watermark; no value at two offsets (no duplicates); no
 * pre-append failure ever visible; the controller's leader holds every record that must survive; its HW is at most
 * the log end of every ISR member; HW monotonic per broker incarnation (a restart reloads the last checkpoint, which
 * may be older) and never above the log end; leader epoch monotonic per broker; leader ∈ ISR ⊆ replicas on leaders
 * and in the controller; one leader per (partition, leader epoch). The controller epoch is checked where a broker
 * can show it: a LeaderAndIsr from an older controller epoch must be refused (see the zombie-controller fault).
 *
 * <p>Concurrency: confined to the driver thread.
 */
final class Checker {
    /** Thrown on the first violated invariant; the simulation adds seed, step and trace. */
    static final class Violation extends RuntimeException {
        Violation(String message) {
            super(message);
        }
    }

    private final Map<TopicPartition, TreeMap<Long, String>> committed = new HashMap<>();
    private final Map<TopicPartition, Map<String, Long>> offsetOfValue = new HashMap<>();
    private final Map<TopicPartition, TreeMap<Long, String>> mustSurvive = new HashMap<>();
    private final Set<String> neverVisible = new HashSet<>();
    /** Leader of each (partition, leader epoch) ever seen. */
    private final Map<String, Integer> leaderOfEpoch = new HashMap<>();
    /** Last high watermark per broker incarnation and partition; last leader epoch per broker and partition. */
    private final Map<String, Long> lastHw = new HashMap<>();

    private final Map<String, Integer> lastLeaderEpoch = new HashMap<>();

    static void fail(String message) {
        throw new Violation(message);
    }

    /** A record at {@code offset} that some replica or client treats as committed. */
    void committed(TopicPartition tp, long offset, String value, String source) {
        String previous = committed.computeIfAbsent(tp, t -> new TreeMap<>()).putIfAbsent(offset, value);
        if (previous != null && !previous.equals(value)) {
            fail("one value per offset: " + tp + "@" + offset + " is '" + previous + "' and '" + value + "' (" + source
                    + ")");
        }
        if (previous == null) {
            Long other = offsetOfValue.computeIfAbsent(tp, t -> new HashMap<>()).putIfAbsent(value, offset);
            if (other != null && other != offset) {
                fail("duplicate: '" + value + "' committed at " + tp + "@" + other + " and @" + offset + " (" + source
                        + ")");
            }
            if (neverVisible.contains(value)) {
                fail("a send that failed before writing became visible: '" + value + "' at " + tp + "@" + offset);
            }
        }
    }

    /** A record acknowledged with acks=all or read by a consumer: it must never disappear. */
    void mustSurvive(TopicPartition tp, long offset, String value, String source) {
        committed(tp, offset, value, source);
        mustSurvive.computeIfAbsent(tp, t -> new TreeMap<>()).put(offset, value);
    }

    /** A send answered with an error before anything was appended. */
    void neverVisible(String value) {
        neverVisible.add(value);
        for (Map<String, Long> byValue : offsetOfValue.values()) {
            if (byValue.containsKey(value)) {
                fail("a send that failed before writing is committed: '" + value + "'");
            }
        }
    }

    int mustSurviveCount() {
        return mustSurvive.values().stream().mapToInt(Map::size).sum();
    }

    int committedCount() {
        return committed.values().stream().mapToInt(Map::size).sum();
    }

    /** Checks one replica: role shape, epochs and HW monotonic, committed prefix consistent. */
    void replica(int brokerId, long incarnation, Partition p, LogImage image) {
        TopicPartition tp = p.topicPartition();
        PartitionState s = p.state();
        long hw = p.highWatermark();
        String incKey = brokerId + "/" + incarnation + "/" + tp;
        Long prevHw = lastHw.put(incKey, hw);
        if (prevHw != null && hw < prevHw) {
            fail("HW decreased on broker " + brokerId + " " + tp + ": " + prevHw + " -> " + hw);
        }
        if (hw > image.logEndOffset()) {
            fail("HW " + hw + " above LEO " + image.logEndOffset() + " on broker " + brokerId + " " + tp);
        }
        if (s.leaderEpoch() >= 0) {
            Integer prevEpoch = lastLeaderEpoch.put(brokerId + "/" + tp, s.leaderEpoch());
            if (prevEpoch != null && s.leaderEpoch() < prevEpoch) {
                fail("leader epoch decreased on broker " + brokerId + " " + tp + ": " + prevEpoch + " -> "
                        + s.leaderEpoch());
            }
        }
        if (p.isLeader()) {
            if (!s.isr().contains(brokerId) || !s.replicas().containsAll(s.isr())) {
                fail("leader ∈ ISR ⊆ replicas broken on broker " + brokerId + ": " + s);
            }
            if (!s.replicas().containsAll(s.maximalIsr())) {
                fail("maximal ISR outside the replicas on broker " + brokerId + ": " + s);
            }
            Integer other = leaderOfEpoch.putIfAbsent(tp + "/" + s.leaderEpoch(), brokerId);
            if (other != null && other != brokerId) {
                fail("two leaders for " + tp + " epoch " + s.leaderEpoch() + ": " + other + " and " + brokerId);
            }
        }
        for (LogImage.Entry e : image.entries()) {
            if (e.offset() >= hw) {
                break;
            }
            committed(tp, e.offset(), e.value(), "below HW of broker " + brokerId);
        }
    }

    /** The current leader must hold every record that must survive. */
    void leaderHoldsAll(int brokerId, TopicPartition tp, LogImage image) {
        for (Map.Entry<Long, String> e :
                mustSurvive.getOrDefault(tp, new TreeMap<>()).entrySet()) {
            String actual = image.valueAt(e.getKey());
            if (!e.getValue().equals(actual)) {
                fail("acknowledged or consumed record lost: " + tp + "@" + e.getKey() + " '" + e.getValue() + "' is '"
                        + actual + "' on leader " + brokerId + " (LEO " + image.logEndOffset() + ")");
            }
        }
    }

    /** The controller's view: leader ∈ ISR ⊆ replicas, ISR never empty. */
    static void controllerView(SimController.PartitionView v) {
        if (v.isr.isEmpty() || !v.replicas.containsAll(v.isr) || (v.leader >= 0 && !v.isr.contains(v.leader))) {
            fail("controller state broken: " + v);
        }
    }
}
