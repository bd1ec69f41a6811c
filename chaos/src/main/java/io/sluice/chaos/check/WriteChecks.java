package io.sluice.chaos.check;

import io.sluice.chaos.check.Anomaly.Kind;
import io.sluice.chaos.check.HistoryIndex.FinalRead;
import io.sluice.chaos.check.HistoryIndex.ProducerKey;
import io.sluice.chaos.check.HistoryIndex.ValueInfo;
import io.sluice.chaos.history.Event;
import io.sluice.chaos.history.ReadBatch;
import io.sluice.chaos.history.Send;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checks of what was written against what was read: lost acknowledged writes, values at another offset than
 * acknowledged, one value per (partition, offset), duplicates, definite failures read, unknown values, phantoms and
 * per-producer order. One pass over the reads plus one over the values; stateless between calls.
 */
final class WriteChecks {
    private WriteChecks() {}

    static void run(HistoryIndex index, Anomalies out) {
        checkReads(index, out);
        checkAcknowledged(index, out);
        checkProducerOrder(index, out);
    }

    /** Every record of every read, in history order, against the writes and the final read. */
    private static void checkReads(HistoryIndex index, Anomalies out) {
        // (partition, offset) -> value for offsets the final read has no record at
        Map<String, Map<Long, String>> outsideFinal = new HashMap<>();
        Map<String, Set<Long>> inconsistentReported = new HashMap<>();
        boolean haveFinal = index.hasFinalRead();
        for (Event event : index.events) {
            if (!(event instanceof ReadBatch r) || r.partition() == null || r.records() == null) {
                continue;
            }
            String partition = r.partition();
            FinalRead fin = index.finalReads.get(partition);
            boolean finalMode = r.mode() == ReadBatch.Mode.FINAL;
            for (ReadBatch.OffsetValue record : r.records()) {
                String value = record.value();
                long offset = record.offset();
                if (value == null) {
                    continue;
                }
                String there = fin == null ? null : fin.valueAt(offset);
                if (there == null) {
                    there = outsideFinal
                            .computeIfAbsent(partition, k -> new HashMap<>())
                            .putIfAbsent(offset, value);
                }
                if (there != null
                        && !there.equals(value)
                        && inconsistentReported
                                .computeIfAbsent(partition, k -> new HashSet<>())
                                .add(offset)) {
                    out.add(
                            Kind.INCONSISTENT_OFFSET,
                            partition,
                            offset,
                            Anomalies.names(there, value),
                            r.t(),
                            Anomalies.names(r.process()),
                            r.process() + " read " + value + " at " + partition + "@" + offset + " where " + there
                                    + " was read");
                }
                ValueInfo v = index.value(value);
                if (v.readPartition == null) {
                    v.readPartition = partition;
                    v.readOffset = offset;
                } else if ((!v.readPartition.equals(partition) || v.readOffset != offset)
                        && v.firstReport(Kind.DUPLICATE)) {
                    out.add(
                            Kind.DUPLICATE,
                            partition,
                            offset,
                            Anomalies.names(value),
                            r.t(),
                            Anomalies.names(r.process()),
                            value + " read at " + partition + "@" + offset + " and at " + v.readPartition + "@"
                                    + v.readOffset);
                }
                if (!v.invoked()) {
                    if (v.firstReport(Kind.UNKNOWN_VALUE)) {
                        out.add(
                                Kind.UNKNOWN_VALUE,
                                partition,
                                offset,
                                Anomalies.names(value),
                                r.t(),
                                Anomalies.names(r.process()),
                                r.process() + " read " + value + " at " + partition + "@" + offset
                                        + ", a value no producer sent");
                    }
                    continue;
                }
                if (v.outcome == Send.Op.FAIL && v.firstReport(Kind.FAILED_WRITE_READ)) {
                    out.add(
                            Kind.FAILED_WRITE_READ,
                            partition,
                            offset,
                            Anomalies.names(value),
                            r.t(),
                            Anomalies.names(v.process, r.process()),
                            r.process() + " read " + value + " at " + partition + "@" + offset + ", whose send by "
                                    + v.process + " failed definitely at t=" + v.outcomeT);
                }
                boolean otherPartition = v.partition != null && !v.partition.equals(partition);
                boolean otherOffset = v.ackOffset >= 0 && v.ackOffset != offset;
                if ((otherPartition || otherOffset) && v.firstReport(Kind.WRONG_OFFSET)) {
                    String written = v.ackOffset >= 0
                            ? "acknowledged at " + v.partition + "@" + v.ackOffset
                            : "sent to " + v.partition;
                    out.add(
                            Kind.WRONG_OFFSET,
                            partition,
                            offset,
                            Anomalies.names(value),
                            r.t(),
                            Anomalies.names(v.process, r.process()),
                            r.process() + " read " + value + " at " + partition + "@" + offset + ", " + written);
                }
                if (!finalMode && haveFinal && v.finalPartition == null) {
                    boolean deletedByRetention =
                            index.settings.retentionDeletes() && (fin == null || offset < fin.logStart());
                    if (!deletedByRetention && v.firstReport(Kind.PHANTOM)) {
                        out.add(
                                Kind.PHANTOM,
                                partition,
                                offset,
                                Anomalies.names(value),
                                r.t(),
                                Anomalies.names(r.process(), v.process),
                                r.process() + " read " + value + " at " + partition + "@" + offset
                                        + ", which the final read does not contain (sent by " + v.process + ", "
                                        + outcome(v) + ")");
                    }
                }
            }
        }
    }

    /** Every acknowledged write must be in the final read (at its offset: the read pass reports another offset). */
    private static void checkAcknowledged(HistoryIndex index, Anomalies out) {
        if (!index.hasFinalRead()) {
            return; // reported once as FINAL_READ_INCOMPLETE
        }
        for (List<ValueInfo> values : index.producers.values()) {
            for (ValueInfo v : values) {
                if (v.outcome == Send.Op.OK && v.finalPartition == null) {
                    out.add(
                            Kind.LOST,
                            v.partition,
                            v.ackOffset,
                            Anomalies.names(v.value),
                            v.outcomeT,
                            Anomalies.names(v.process),
                            v.value + " acknowledged to " + v.process + " at " + v.partition + "@" + v.ackOffset
                                    + " is not in the final read");
                }
            }
        }
    }

    /**
     * A producer's acknowledged offsets increase in the order it sent the values, and the final read stores each
     * producer's values in that order.
     */
    private static void checkProducerOrder(HistoryIndex index, Anomalies out) {
        for (Map.Entry<ProducerKey, List<ValueInfo>> producer : index.producers.entrySet()) {
            ValueInfo previous = null;
            for (ValueInfo v : producer.getValue()) {
                if (v.outcome != Send.Op.OK) {
                    continue;
                }
                if (previous != null && v.ackOffset <= previous.ackOffset) {
                    out.add(
                            Kind.PRODUCER_ORDER,
                            v.partition,
                            v.ackOffset,
                            Anomalies.names(previous.value, v.value),
                            v.outcomeT,
                            Anomalies.names(v.process),
                            v.process + " sent " + previous.value + " before " + v.value + " but they were acknowledged"
                                    + " at offsets " + previous.ackOffset + " and " + v.ackOffset);
                }
                previous = v;
            }
        }
        for (Map.Entry<String, FinalRead> entry : index.finalReads.entrySet()) {
            String partition = entry.getKey();
            FinalRead fin = entry.getValue();
            Map<String, ValueInfo> lastOfProducer = new HashMap<>();
            for (int i = 0; i < fin.offsets.length; i++) {
                ValueInfo v = fin.values[i] == null ? null : index.values.get(fin.values[i]);
                if (v == null || !v.invoked() || !partition.equals(v.partition)) {
                    continue;
                }
                ValueInfo last = lastOfProducer.get(v.process);
                if (last != null && v.seq < last.seq) {
                    out.add(
                            Kind.PRODUCER_ORDER,
                            partition,
                            fin.offsets[i],
                            Anomalies.names(v.value, last.value),
                            v.invokeT,
                            Anomalies.names(v.process),
                            v.process + " sent " + v.value + " before " + last.value + " but the final read stores it"
                                    + " after, at " + partition + "@" + fin.offsets[i]);
                } else {
                    lastOfProducer.put(v.process, v);
                }
            }
        }
    }

    private static String outcome(ValueInfo v) {
        return v.outcome == null ? "no outcome" : v.outcome + (v.ackOffset >= 0 ? " at " + v.ackOffset : "");
    }
}
