package io.sluice.chaos.check;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Collects anomalies while the checks run: keeps the first {@link #KEPT_PER_KIND} of each kind (a run with an unclean
 * election can lose a hundred thousand writes; the report needs a few of them and the count) and counts all.
 *
 * <p>Concurrency: not thread-safe; one checker thread owns it.
 */
final class Anomalies {
    static final int KEPT_PER_KIND = 1_000;

    private final Map<Anomaly.Kind, List<Anomaly>> kept = new EnumMap<>(Anomaly.Kind.class);
    private final Map<Anomaly.Kind, Long> counts = new EnumMap<>(Anomaly.Kind.class);

    void add(Anomaly anomaly) {
        counts.merge(anomaly.kind(), 1L, Long::sum);
        List<Anomaly> list = kept.computeIfAbsent(anomaly.kind(), k -> new ArrayList<>());
        if (list.size() < KEPT_PER_KIND) {
            list.add(anomaly);
        }
    }

    void add(
            Anomaly.Kind kind,
            String partition,
            long offset,
            List<String> values,
            long t,
            List<String> processes,
            String explanation) {
        add(new Anomaly(kind, partition, offset, values, t, processes, explanation));
    }

    /** The non-null names among these (a history may lack a process or a value here and there). */
    static List<String> names(String... items) {
        List<String> list = new ArrayList<>(items.length);
        for (String item : items) {
            if (item != null) {
                list.add(item);
            }
        }
        return list;
    }

    Map<Anomaly.Kind, Long> counts() {
        return counts;
    }

    /** The kept anomalies, kind by kind in the enum's order. */
    List<Anomaly> list() {
        List<Anomaly> all = new ArrayList<>();
        for (Anomaly.Kind kind : Anomaly.Kind.values()) {
            all.addAll(kept.getOrDefault(kind, List.of()));
        }
        return all;
    }
}
