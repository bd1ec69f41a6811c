package io.sluice.chaos.check;

import io.sluice.chaos.check.Anomaly.Kind;
import io.sluice.chaos.check.HistoryIndex.FinalRead;
import io.sluice.chaos.history.Commit;
import io.sluice.chaos.history.Event;
import io.sluice.chaos.history.ReadBatch;
import io.sluice.chaos.history.Seek;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The checks of each consumer's positions and each group's commits, one pass over the history in its order.
 *
 * <ul>
 *   <li>A consumer's records of a partition continue from the offset after the last one it read, or from its last
 *       {@link Seek}: lower is {@link Kind#POLL_BACKWARDS}; higher is {@link Kind#POLL_SKIP} unless the final read has
 *       no record in between (compaction, transaction markers, retention).
 *   <li>A group's successful commits of a partition never go down, unless a member sought below the last commit in
 *       between ({@link Kind#COMMIT_BACKWARDS}), and never claim records no member read or sought past ({@link
 *       Kind#COMMIT_AHEAD}).
 * </ul>
 *
 * Stateless between calls.
 */
final class ConsumerChecks {
    private ConsumerChecks() {}

    static void run(HistoryIndex index, Anomalies out) {
        Map<String, Long> next = new HashMap<>(); // process \0 partition -> next offset expected
        Map<String, Long> committed = new HashMap<>(); // group \0 partition -> floor of the next commit
        Map<String, Long> frontier = new HashMap<>(); // group \0 partition -> highest offset read + 1 or sought
        for (Event event : index.events) {
            if (event instanceof ReadBatch r && r.partition() != null && r.records() != null) {
                String key = key(r.process(), r.partition());
                String group = index.groupOf.get(r.process());
                Long expected = next.get(key);
                for (ReadBatch.OffsetValue record : r.records()) {
                    long offset = record.offset();
                    if (expected != null && expected >= 0) {
                        if (offset < expected) {
                            out.add(
                                    Kind.POLL_BACKWARDS,
                                    r.partition(),
                                    offset,
                                    listOf(record.value()),
                                    r.t(),
                                    Anomalies.names(r.process()),
                                    r.process() + " read " + r.partition() + "@" + offset + " after reading up to "
                                            + (expected - 1) + " without a seek");
                        } else if (offset > expected && recordsIn(index, r.partition(), expected, offset)) {
                            out.add(
                                    Kind.POLL_SKIP,
                                    r.partition(),
                                    offset,
                                    listOf(record.value()),
                                    r.t(),
                                    Anomalies.names(r.process()),
                                    r.process() + " read " + r.partition() + "@" + offset + " next, skipping offsets "
                                            + expected + ".." + (offset - 1) + " that hold records");
                        }
                    }
                    expected = offset + 1;
                    if (group != null) {
                        frontier.merge(key(group, r.partition()), offset + 1, Math::max);
                    }
                }
                if (expected != null) {
                    next.put(key, expected);
                }
            } else if (event instanceof Seek s && s.partition() != null) {
                next.put(key(s.process(), s.partition()), s.offset());
                String group = index.groupOf.get(s.process());
                if (group != null && s.offset() >= 0) {
                    String groupKey = key(group, s.partition());
                    committed.computeIfPresent(groupKey, (k, floor) -> Math.min(floor, s.offset()));
                    frontier.merge(groupKey, s.offset(), Math::max);
                }
            } else if (event instanceof Commit c && c.ok() && c.group() != null && c.partition() != null) {
                String groupKey = key(c.group(), c.partition());
                Long floor = committed.put(groupKey, c.offset());
                if (floor != null && c.offset() < floor) {
                    out.add(
                            Kind.COMMIT_BACKWARDS,
                            c.partition(),
                            c.offset(),
                            List.of(),
                            c.t(),
                            Anomalies.names(c.process()),
                            "group " + c.group() + " committed " + c.partition() + "@" + c.offset() + " after " + floor
                                    + " with no seek of a member in between (by " + c.process() + ")");
                }
                long readUpTo = frontier.getOrDefault(groupKey, 0L);
                if (c.offset() > readUpTo && recordsIn(index, c.partition(), readUpTo, c.offset())) {
                    out.add(
                            Kind.COMMIT_AHEAD,
                            c.partition(),
                            c.offset(),
                            List.of(),
                            c.t(),
                            Anomalies.names(c.process()),
                            "group " + c.group() + " committed " + c.partition() + "@" + c.offset() + " but its members"
                                    + " had read only up to " + (readUpTo - 1) + " (by " + c.process() + ")");
                }
            }
        }
    }

    /** Whether offsets {@code [from, to)} of the partition hold records, as far as the final read shows. */
    private static boolean recordsIn(HistoryIndex index, String partition, long from, long to) {
        FinalRead fin = index.finalReads.get(partition);
        if (fin == null) {
            return index.settings.denseOffsets();
        }
        return fin.hasRecordIn(from, to);
    }

    private static String key(String a, String b) {
        return a + '\0' + b;
    }

    private static List<String> listOf(String value) {
        return value == null ? List.of() : Anomalies.names(value);
    }
}
