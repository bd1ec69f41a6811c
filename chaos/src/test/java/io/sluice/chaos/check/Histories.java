package io.sluice.chaos.check;

import io.sluice.chaos.history.Assignment;
import io.sluice.chaos.history.Commit;
import io.sluice.chaos.history.Event;
import io.sluice.chaos.history.Fault;
import io.sluice.chaos.history.Phase;
import io.sluice.chaos.history.ReadBatch;
import io.sluice.chaos.history.ReadBatch.OffsetValue;
import io.sluice.chaos.history.RunStarted;
import io.sluice.chaos.history.Sample;
import io.sluice.chaos.history.Seek;
import io.sluice.chaos.history.Send;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds synthetic histories for the checker's tests, in the words of the history: writes, reads, seeks, commits,
 * samples, faults, heal and the final read. Time advances by {@link #step} ms per event unless set with {@link #at}.
 * Tracks what each partition stores (the value written at each acknowledged offset) so that {@link #finalReadAll()}
 * reads back exactly what was acknowledged.
 */
public final class Histories {
    public static final List<Integer> BROKERS = List.of(1, 2, 3);

    private final List<Event> events = new ArrayList<>();
    private final Map<String, TreeMap<Long, String>> stored = new LinkedHashMap<>();
    private final Map<String, Integer> leaders = new LinkedHashMap<>();
    private final Map<String, Integer> epochs = new LinkedHashMap<>();
    private long t;
    private long step = 10;
    private int controller = 1;
    private int controllerEpoch = 1;

    private Histories() {}

    /** A run of one topic {@code t} with {@code partitions} partitions, all led by broker 1 with a full ISR. */
    public static Histories start(int partitions) {
        return start(partitions, Map.of());
    }

    public static Histories start(int partitions, Map<String, String> settings) {
        Histories h = new Histories();
        h.add(new RunStarted(0, 7, 60_000, List.of("kill-leader"), BROKERS, Map.of("t", partitions), settings));
        for (int p = 0; p < partitions; p++) {
            h.stored.put("t-" + p, new TreeMap<>());
            h.leaders.put("t-" + p, 1);
            h.epochs.put("t-" + p, 0);
        }
        h.add(new Phase(h.t, Phase.Name.WORKLOAD));
        h.sample();
        return h;
    }

    public Histories at(long time) {
        this.t = time;
        return this;
    }

    public Histories step(long ms) {
        this.step = ms;
        return this;
    }

    public long now() {
        return t;
    }

    public Histories add(Event event) {
        events.add(event);
        t = Math.max(t, event.t()) + step;
        return this;
    }

    /** Invoke and acknowledge {@code value} at {@code offset}; the partition stores it there. */
    public Histories write(String producer, String partition, String value, long offset) {
        add(Send.invoke(t, producer, partition, value));
        add(Send.ok(t, producer, partition, value, offset));
        stored.get(partition).put(offset, value);
        return this;
    }

    /** Appends {@code value} at the partition's next offset, acknowledged. */
    public Histories write(String producer, String partition, String value) {
        TreeMap<Long, String> log = stored.get(partition);
        return write(producer, partition, value, log.isEmpty() ? 0 : log.lastKey() + 1);
    }

    public Histories writeFail(String producer, String partition, String value) {
        add(Send.invoke(t, producer, partition, value));
        return add(Send.fail(t, producer, partition, value, "NotEnoughReplicasException: below min ISR"));
    }

    public Histories writeInfo(String producer, String partition, String value) {
        add(Send.invoke(t, producer, partition, value));
        return add(Send.info(t, producer, partition, value, "TimeoutException: expired"));
    }

    /** Stores {@code value} at {@code offset} without any send (what the broker did on its own). */
    public Histories store(String partition, long offset, String value) {
        stored.get(partition).put(offset, value);
        return this;
    }

    public Histories unstore(String partition, long offset) {
        stored.get(partition).remove(offset);
        return this;
    }

    public Histories read(String consumer, ReadBatch.Mode mode, String partition, Object... offsetValuePairs) {
        List<OffsetValue> records = new ArrayList<>();
        for (int i = 0; i < offsetValuePairs.length; i += 2) {
            records.add(new OffsetValue(((Number) offsetValuePairs[i]).longValue(), (String) offsetValuePairs[i + 1]));
        }
        return add(new ReadBatch(t, consumer, mode, partition, records));
    }

    /** A consumer reads the stored records of {@code [from, to)} in one poll. */
    public Histories readStored(String consumer, ReadBatch.Mode mode, String partition, long from, long to) {
        List<OffsetValue> records = new ArrayList<>();
        stored.get(partition).subMap(from, to).forEach((o, v) -> records.add(new OffsetValue(o, v)));
        return add(new ReadBatch(t, consumer, mode, partition, records));
    }

    public Histories seek(String consumer, String partition, long offset) {
        return add(new Seek(t, consumer, partition, offset, "start"));
    }

    public Histories assign(String consumer, String group, String... partitions) {
        return add(new Assignment(t, consumer, group, 1, List.of(partitions)));
    }

    public Histories commit(String consumer, String group, String partition, long offset) {
        return add(new Commit(t, consumer, group, partition, offset, true, null));
    }

    /** Samples every partition: current leader and epoch, full ISR, HW = stored records. */
    public Histories sample() {
        return sample(controller, controllerEpoch);
    }

    /** Samples with this controller and epoch, which later samples keep. */
    public Histories sample(int controller, int controllerEpoch) {
        this.controller = controller;
        this.controllerEpoch = controllerEpoch;
        Map<String, Sample.PartitionSample> partitions = new LinkedHashMap<>();
        stored.forEach((p, log) -> partitions.put(
                p,
                new Sample.PartitionSample(
                        leaders.get(p), epochs.get(p), BROKERS, BROKERS, log.isEmpty() ? 0 : log.lastKey() + 1)));
        return add(new Sample(t, controller, controllerEpoch, partitions));
    }

    /** Samples one partition as given, the others as {@link #sample()} would. */
    public Histories sample(String partition, Sample.PartitionSample state) {
        Map<String, Sample.PartitionSample> partitions = new LinkedHashMap<>();
        stored.forEach((p, log) -> partitions.put(
                p,
                p.equals(partition)
                        ? state
                        : new Sample.PartitionSample(
                                leaders.get(p),
                                epochs.get(p),
                                BROKERS,
                                BROKERS,
                                log.isEmpty() ? 0 : log.lastKey() + 1)));
        return add(new Sample(t, controller, controllerEpoch, partitions));
    }

    /** Moves a partition's leadership to {@code broker} with the next leader epoch. */
    public Histories leader(String partition, int broker) {
        leaders.put(partition, broker);
        epochs.merge(partition, 1, Integer::sum);
        return this;
    }

    public Histories fault(Fault.Op op, String id, String name, int... targets) {
        List<Integer> list = new ArrayList<>();
        for (int b : targets) {
            list.add(b);
        }
        return add(new Fault(t, op, id, name, Map.of(), list, "the partitions it leads elect another leader"));
    }

    public Histories phase(Phase.Name name) {
        return add(new Phase(t, name));
    }

    /** HEALING, HEALED and a sample with full ISRs. */
    public Histories heal() {
        phase(Phase.Name.HEALING);
        phase(Phase.Name.HEALED);
        return sample();
    }

    /** FINAL_READ, a final read of everything stored, DONE. */
    public Histories finalReadAll() {
        phase(Phase.Name.FINAL_READ);
        for (String partition : stored.keySet()) {
            readStored("final", ReadBatch.Mode.FINAL, partition, 0, Long.MAX_VALUE);
        }
        return phase(Phase.Name.DONE);
    }

    public List<Event> events() {
        return List.copyOf(events);
    }

    /**
     * A clean run: two partitions, producers p0 and p1, an assign consumer and a group member reading everything,
     * a kill-leader fault that moves t-0 to broker 2 with writes failing while it lasts, heal and a final read.
     */
    public static Histories clean() {
        Histories h = start(2);
        h.seek("c1", "t-0", 0).seek("c1", "t-1", 0).assign("g1", "grp", "t-0", "t-1");
        for (int i = 0; i < 20; i++) {
            h.write("p0", "t-0", "p0-" + i).write("p1", "t-1", "p1-" + i);
        }
        h.readStored("c1", ReadBatch.Mode.ASSIGN, "t-0", 0, 10)
                .readStored("c1", ReadBatch.Mode.ASSIGN, "t-1", 0, 20)
                .readStored("g1", ReadBatch.Mode.GROUP, "t-0", 0, 20)
                .commit("g1", "grp", "t-0", 20)
                .sample();
        h.fault(Fault.Op.START, "f1", "kill-leader", 1);
        h.writeFail("p0", "t-0", "p0-fail");
        h.writeInfo("p0", "t-0", "p0-info");
        h.leader("t-0", 2).leader("t-1", 2).sample(2, 2);
        h.fault(Fault.Op.STOP, "f1", "kill-leader", 1);
        h.fault(Fault.Op.HEALED, "f1", "kill-leader", 1);
        for (int i = 20; i < 30; i++) {
            h.write("p0", "t-0", "p0-" + i).write("p1", "t-1", "p1-" + i);
        }
        h.readStored("c1", ReadBatch.Mode.ASSIGN, "t-0", 10, 30)
                .readStored("c1", ReadBatch.Mode.ASSIGN, "t-1", 20, 30)
                .readStored("g1", ReadBatch.Mode.GROUP, "t-0", 20, 30)
                .commit("g1", "grp", "t-0", 30);
        return h.heal().finalReadAll();
    }
}
