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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A large, realistic-looking clean history: six partitions on three brokers, one producer per partition, an assign
 * consumer and a group member following every partition, a metadata sample a second, a kill-leader fault every 30 s
 * (writes to the partitions the killed broker led fail or time out for two seconds, leadership moves, the ISR shrinks
 * until the fault heals), then healing and the final read. Deterministic for a seed.
 */
public final class SyntheticRun {
    static final int PARTITIONS = 6;
    static final List<Integer> BROKERS = List.of(1, 2, 3);

    private final Random random;
    private final List<Event> events = new ArrayList<>();
    private final List<List<String>> logs = new ArrayList<>();
    private final int[] leader = new int[PARTITIONS];
    private final int[] epoch = new int[PARTITIONS];
    private final List<List<Integer>> isr = new ArrayList<>();
    private final int[] assignRead = new int[PARTITIONS];
    private final int[] groupRead = new int[PARTITIONS];
    private int controllerEpoch = 1;

    private SyntheticRun(long seed) {
        this.random = new Random(seed);
        for (int p = 0; p < PARTITIONS; p++) {
            logs.add(new ArrayList<>());
            leader[p] = p % 3 + 1;
            isr.add(BROKERS);
        }
    }

    /** A history of about {@code 2.1 * writes} events over {@code durationMs}. */
    public static List<Event> generate(int writes, long durationMs, long seed) {
        return new SyntheticRun(seed).run(writes, durationMs);
    }

    private List<Event> run(int writes, long durationMs) {
        events.add(new RunStarted(
                0,
                42,
                durationMs,
                List.of("kill-leader"),
                BROKERS,
                Map.of("chaos", PARTITIONS),
                Map.of("acks", "all", "min.insync.replicas", "2")));
        events.add(new Phase(0, Phase.Name.WORKLOAD));
        for (int p = 0; p < PARTITIONS; p++) {
            events.add(new Seek(0, "c1", name(p), 0, "start"));
        }
        events.add(new Assignment(0, "g1", "grp", 1, partitionNames()));
        for (int p = 0; p < PARTITIONS; p++) {
            events.add(new Seek(0, "g1", name(p), 0, "assigned"));
        }
        long nextSample = 0;
        long nextAssignRead = 200;
        long nextGroupRead = 500;
        long faultEvery = 30_000;
        Map<String, long[]> fault = new HashMap<>(); // id -> {start, broker}
        int faultCount = 0;
        long activeStart = -1;
        int activeBroker = -1;
        List<Integer> moved = new ArrayList<>();
        for (int i = 0; i < writes; i++) {
            long t = (long) i * durationMs / writes;
            while (nextSample <= t) {
                sample(nextSample);
                nextSample += 1_000;
            }
            if (activeStart < 0 && t >= (faultCount + 1) * faultEvery && t < durationMs - 15_000) {
                faultCount++;
                activeStart = t;
                activeBroker = random.nextInt(3) + 1;
                events.add(faultEvent(t, Fault.Op.START, faultCount, activeBroker));
                fault.put("f" + faultCount, new long[] {t, activeBroker});
                moved.clear();
                for (int p = 0; p < PARTITIONS; p++) {
                    if (leader[p] == activeBroker) {
                        moved.add(p);
                    }
                }
            }
            if (activeStart >= 0) {
                long since = t - activeStart;
                if (since >= 2_000 && !moved.isEmpty() && leader[moved.get(0)] == activeBroker) {
                    controllerEpoch++;
                    for (int p : moved) {
                        leader[p] = activeBroker % 3 + 1;
                        epoch[p]++;
                        List<Integer> shrunk = new ArrayList<>(BROKERS);
                        shrunk.remove(Integer.valueOf(activeBroker));
                        isr.set(p, shrunk);
                    }
                }
                if (since >= 6_000 && since - 6_000 < durationMs / writes + 1) {
                    events.add(faultEvent(t, Fault.Op.STOP, faultCount, activeBroker));
                }
                if (since >= 8_000) {
                    for (int p : moved) {
                        isr.set(p, BROKERS);
                    }
                    events.add(faultEvent(t, Fault.Op.HEALED, faultCount, activeBroker));
                    activeStart = -1;
                }
            }
            int p = i % PARTITIONS;
            String value = "p" + p + "-" + i;
            String producer = "p" + p;
            events.add(Send.invoke(t, producer, name(p), value));
            boolean unavailable = activeStart >= 0 && t - activeStart < 2_000 && moved.contains(p);
            if (unavailable) {
                events.add(
                        random.nextBoolean()
                                ? Send.fail(t + 2, producer, name(p), value, "NotEnoughReplicasException: x")
                                : Send.info(t + 2, producer, name(p), value, "TimeoutException: y"));
            } else {
                logs.get(p).add(value);
                events.add(Send.ok(t + 2, producer, name(p), value, logs.get(p).size() - 1));
            }
            if (t >= nextAssignRead) {
                readAll("c1", ReadBatch.Mode.ASSIGN, assignRead, t + 3);
                nextAssignRead += 200;
            }
            if (t >= nextGroupRead) {
                readAll("g1", ReadBatch.Mode.GROUP, groupRead, t + 3);
                for (int q = 0; q < PARTITIONS; q++) {
                    events.add(new Commit(t + 4, "g1", "grp", name(q), groupRead[q], true, null));
                }
                nextGroupRead += 500;
            }
        }
        long t = durationMs;
        if (activeStart >= 0) {
            for (int p : moved) {
                isr.set(p, BROKERS);
            }
            events.add(faultEvent(t, Fault.Op.STOP, faultCount, activeBroker));
            events.add(faultEvent(t, Fault.Op.HEALED, faultCount, activeBroker));
        }
        events.add(new Phase(t, Phase.Name.HEALING));
        events.add(new Phase(t + 1, Phase.Name.HEALED));
        sample(t + 2);
        readAll("c1", ReadBatch.Mode.ASSIGN, assignRead, t + 3);
        events.add(new Phase(t + 10, Phase.Name.FINAL_READ));
        for (int p = 0; p < PARTITIONS; p++) {
            List<String> log = logs.get(p);
            for (int from = 0; from < log.size(); from += 1_000) {
                List<OffsetValue> records = new ArrayList<>();
                for (int o = from; o < Math.min(log.size(), from + 1_000); o++) {
                    records.add(new OffsetValue(o, log.get(o)));
                }
                events.add(new ReadBatch(t + 20, "final", ReadBatch.Mode.FINAL, name(p), records));
            }
        }
        events.add(new Phase(t + 30, Phase.Name.DONE));
        return events;
    }

    private void readAll(String consumer, ReadBatch.Mode mode, int[] position, long t) {
        for (int p = 0; p < PARTITIONS; p++) {
            List<String> log = logs.get(p);
            if (position[p] >= log.size()) {
                continue;
            }
            List<OffsetValue> records = new ArrayList<>();
            for (int o = position[p]; o < log.size(); o++) {
                records.add(new OffsetValue(o, log.get(o)));
            }
            position[p] = log.size();
            events.add(new ReadBatch(t, consumer, mode, name(p), records));
        }
    }

    private void sample(long t) {
        Map<String, Sample.PartitionSample> partitions = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            partitions.put(
                    name(p),
                    new Sample.PartitionSample(
                            leader[p],
                            epoch[p],
                            isr.get(p),
                            BROKERS,
                            logs.get(p).size()));
        }
        events.add(new Sample(t, 1, controllerEpoch, partitions));
    }

    private static Fault faultEvent(long t, Fault.Op op, int n, int broker) {
        return new Fault(
                t,
                op,
                "f" + n,
                "kill-leader",
                Map.of("signal", "KILL"),
                List.of(broker),
                "the partitions it leads elect another leader");
    }

    private static List<String> partitionNames() {
        List<String> names = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            names.add(name(p));
        }
        return names;
    }

    static String name(int p) {
        return "chaos-" + p;
    }
}
