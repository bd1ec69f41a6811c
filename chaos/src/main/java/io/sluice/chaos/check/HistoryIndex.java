package io.sluice.chaos.check;

import io.sluice.chaos.history.Assignment;
import io.sluice.chaos.history.Commit;
import io.sluice.chaos.history.Event;
import io.sluice.chaos.history.Fault;
import io.sluice.chaos.history.Partitions;
import io.sluice.chaos.history.Phase;
import io.sluice.chaos.history.ReadBatch;
import io.sluice.chaos.history.RunStarted;
import io.sluice.chaos.history.Sample;
import io.sluice.chaos.history.Send;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;

/**
 * What every check needs to look up, built in one pass over the history: each value's write and where the final
 * read found it, each partition's final read sorted by offset, the producers' invoke orders, the send and read times
 * per partition, the samples, the faults and the phases.
 *
 * <p>Concurrency: built and then read by one checker thread; not thread-safe.
 */
final class HistoryIndex {
    /** Op codes of {@link #sendSteps} (low two bits of each entry; the time is the rest). */
    static final int INVOKE = 0;

    static final int OK = 1;
    static final int FAIL = 2;
    static final int INFO = 3;

    final List<Event> events;
    final RunStarted run;
    final CheckSettings settings;
    final Map<String, ValueInfo> values = new HashMap<>();
    /** Per (producer, partition): its values in invoke order. */
    final Map<ProducerKey, List<ValueInfo>> producers = new LinkedHashMap<>();
    /** Per partition: every send step as {@code t << 2 | op}, in history order. */
    final Map<String, LongList> sendSteps = new HashMap<>();
    /** Per partition: the value of each entry of {@link #sendSteps}. */
    final Map<String, List<ValueInfo>> sendStepValues = new HashMap<>();
    /**
     * Per partition: the workload consumers' non-empty polls, in history order, as two lists: the newest send time of
     * the values a poll returned, and the poll's time.
     */
    final Map<String, LongList[]> consumerReads = new HashMap<>();
    /** Per partition: the final read; absent for a partition the final read returned nothing of. */
    final Map<String, FinalRead> finalReads = new TreeMap<>(HistoryIndex::comparePartitions);

    final List<Sample> samples = new ArrayList<>();
    /** The faults by id, in the order they started. */
    final Map<String, FaultTimes> faults = new LinkedHashMap<>();
    /** The first time of each phase. */
    final Map<Phase.Name, Long> phases = new EnumMap<>(Phase.Name.class);
    /** Which group each consumer process belongs to, from its assignments and commits. */
    final Map<String, String> groupOf = new HashMap<>();
    /** Every partition of the workload, sorted. */
    final TreeSet<String> partitions = new TreeSet<>(HistoryIndex::comparePartitions);

    long recordsRead;
    private boolean sawFinalRead;
    long endT;
    private long invokeSeq;
    private final Map<String, FinalReadBuilder> finalBuilders = new HashMap<>();

    HistoryIndex(List<Event> history) {
        this.events = history;
        RunStarted started = null;
        for (Event event : history) {
            endT = Math.max(endT, event.t());
            if (event instanceof RunStarted r) {
                started = started == null ? r : started;
            } else if (event instanceof Send s) {
                onSend(s);
            } else if (event instanceof ReadBatch r) {
                onRead(r);
            } else if (event instanceof Sample s) {
                samples.add(s);
                if (s.partitions() != null) {
                    partitions.addAll(s.partitions().keySet());
                }
            } else if (event instanceof Fault f) {
                onFault(f);
            } else if (event instanceof Phase p) {
                phases.putIfAbsent(p.name(), p.t());
            } else if (event instanceof Assignment a) {
                if (a.group() != null) {
                    groupOf.put(a.process(), a.group());
                }
            } else if (event instanceof Commit c) {
                if (c.group() != null) {
                    groupOf.put(c.process(), c.group());
                }
            }
        }
        this.run = started;
        this.settings = started == null ? CheckSettings.defaults() : CheckSettings.from(started.settings());
        if (started != null && started.topics() != null) {
            started.topics().forEach((topic, count) -> {
                for (int p = 0; p < count; p++) {
                    partitions.add(Partitions.name(new TopicPartition(topic, p)));
                }
            });
        }
        finalBuilders.forEach((partition, builder) -> finalReads.put(partition, builder.build(this, partition)));
        finalBuilders.clear();
    }

    private void onSend(Send s) {
        if (s.value() == null || s.op() == null) {
            return;
        }
        ValueInfo v = values.computeIfAbsent(s.value(), ValueInfo::new);
        if (s.partition() != null) {
            partitions.add(s.partition());
        }
        if (v.process == null) {
            v.process = s.process();
            v.partition = s.partition();
            v.seq = invokeSeq++;
            v.invokeT = s.t();
            producers
                    .computeIfAbsent(new ProducerKey(s.process(), s.partition()), k -> new ArrayList<>())
                    .add(v);
        }
        int op = switch (s.op()) {
            case INVOKE -> INVOKE;
            case OK -> OK;
            case FAIL -> FAIL;
            case INFO -> INFO;
        };
        if (op != INVOKE && v.outcome == null) {
            v.outcome = s.op();
            v.outcomeT = s.t();
            if (op == OK) {
                v.ackOffset = s.offset();
            }
        }
        if (v.partition != null) {
            sendSteps.computeIfAbsent(v.partition, k -> new LongList()).add(Math.max(0, s.t()) << 2 | op);
            sendStepValues.computeIfAbsent(v.partition, k -> new ArrayList<>()).add(v);
        }
    }

    private void onRead(ReadBatch r) {
        if (r.partition() == null || r.records() == null) {
            return;
        }
        partitions.add(r.partition());
        if (r.mode() == ReadBatch.Mode.FINAL) {
            sawFinalRead = true;
            if (r.records().isEmpty()) {
                return;
            }
            FinalReadBuilder builder = finalBuilders.computeIfAbsent(r.partition(), k -> new FinalReadBuilder());
            for (ReadBatch.OffsetValue record : r.records()) {
                builder.add(record.offset(), record.value());
            }
        } else {
            recordsRead += r.records().size();
            long newestSent = -1;
            for (ReadBatch.OffsetValue record : r.records()) {
                ValueInfo v = record.value() == null ? null : values.get(record.value());
                if (v != null) {
                    newestSent = Math.max(newestSent, v.invokeT);
                }
            }
            if (newestSent >= 0) {
                LongList[] reads = consumerReads.computeIfAbsent(
                        r.partition(), k -> new LongList[] {new LongList(), new LongList()});
                reads[0].add(newestSent);
                reads[1].add(r.t());
            }
        }
    }

    private void onFault(Fault f) {
        if (f.id() == null || f.op() == null) {
            return;
        }
        FaultTimes times = faults.get(f.id());
        if (times == null) {
            times = new FaultTimes(f.id(), f.name(), f.targets() == null ? List.of() : f.targets());
            faults.put(f.id(), times);
        }
        switch (f.op()) {
            case START -> times.start = times.start < 0 ? f.t() : times.start;
            case STOP -> times.stop = times.stop < 0 ? f.t() : times.stop;
            case HEALED -> times.healed = times.healed < 0 ? f.t() : times.healed;
        }
        if (times.expected == null) {
            times.expected = f.expected();
        }
    }

    /** The value's record, or a new one for a value no producer sent. */
    ValueInfo value(String value) {
        return values.computeIfAbsent(value, ValueInfo::new);
    }

    /** Whether the history has a final read at all (possibly of empty partitions only). */
    boolean hasFinalRead() {
        return sawFinalRead;
    }

    /** Orders {@code topic-p} names by topic, then partition number. */
    static int comparePartitions(String a, String b) {
        int da = a.lastIndexOf('-');
        int db = b.lastIndexOf('-');
        if (da > 0 && db > 0) {
            int c = a.substring(0, da).compareTo(b.substring(0, db));
            if (c != 0) {
                return c;
            }
            try {
                return Integer.compare(Integer.parseInt(a.substring(da + 1)), Integer.parseInt(b.substring(db + 1)));
            } catch (NumberFormatException e) {
                return a.compareTo(b);
            }
        }
        return a.compareTo(b);
    }

    /** A producer writing one partition. */
    record ProducerKey(String process, String partition) {}

    /** One value: its write, its outcome, and where reads found it. */
    static final class ValueInfo {
        final String value;
        String process;
        String partition;
        long seq = -1;
        long invokeT = -1;
        Send.Op outcome;
        long outcomeT = -1;
        long ackOffset = -1;
        String finalPartition;
        long finalOffset = -1;
        String readPartition;
        long readOffset = -1;
        private int reported;

        ValueInfo(String value) {
            this.value = value;
        }

        boolean invoked() {
            return process != null;
        }

        /** Whether an anomaly of this kind was not yet reported for this value (and marks it reported). */
        boolean firstReport(Anomaly.Kind kind) {
            int bit = 1 << kind.ordinal();
            if ((reported & bit) != 0) {
                return false;
            }
            reported |= bit;
            return true;
        }
    }

    /** A fault's times; -1 for a step the history lacks. */
    static final class FaultTimes {
        final String id;
        final String name;
        final List<Integer> targets;
        String expected;
        long start = -1;
        long stop = -1;
        long healed = -1;

        FaultTimes(String id, String name, List<Integer> targets) {
            this.id = id;
            this.name = name;
            this.targets = targets;
        }
    }

    /** One partition's final read: distinct offsets ascending, the first value read at each. */
    static final class FinalRead {
        final long[] offsets;
        final String[] values;

        FinalRead(long[] offsets, String[] values) {
            this.offsets = offsets;
            this.values = values;
        }

        long logStart() {
            return offsets[0];
        }

        long lastOffset() {
            return offsets[offsets.length - 1];
        }

        /** The value at {@code offset}, or null when the final read has no record there. */
        String valueAt(long offset) {
            int i = Arrays.binarySearch(offsets, offset);
            return i >= 0 ? values[i] : null;
        }

        /** Whether the final read has a record at an offset in {@code [from, to)}. */
        boolean hasRecordIn(long from, long to) {
            if (from >= to) {
                return false;
            }
            int i = Arrays.binarySearch(offsets, from);
            int insertion = i >= 0 ? i : -i - 1;
            return insertion < offsets.length && offsets[insertion] < to;
        }
    }

    private static final class FinalReadBuilder {
        private final LongList offsets = new LongList();
        private final List<String> values = new ArrayList<>();
        private boolean sorted = true;

        void add(long offset, String value) {
            if (offsets.size() > 0 && offset <= offsets.get(offsets.size() - 1)) {
                sorted = false;
            }
            offsets.add(offset);
            values.add(value);
        }

        FinalRead build(HistoryIndex index, String partition) {
            int n = offsets.size();
            Integer[] order = null;
            if (!sorted) {
                order = new Integer[n];
                for (int i = 0; i < n; i++) {
                    order[i] = i;
                }
                // stable: the first value read at an offset stays first
                Arrays.sort(order, (a, b) -> Long.compare(offsets.get(a), offsets.get(b)));
            }
            LongList distinct = new LongList();
            List<String> kept = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                int i = order == null ? k : order[k];
                long offset = offsets.get(i);
                if (distinct.size() > 0 && distinct.get(distinct.size() - 1) == offset) {
                    continue;
                }
                distinct.add(offset);
                String value = values.get(i);
                kept.add(value);
                if (value != null) {
                    ValueInfo v = index.value(value);
                    if (v.finalPartition == null) {
                        v.finalPartition = partition;
                        v.finalOffset = offset;
                    }
                }
            }
            return new FinalRead(distinct.toArray(), kept.toArray(new String[0]));
        }
    }
}
