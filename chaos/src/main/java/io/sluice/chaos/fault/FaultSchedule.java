package io.sluice.chaos.fault;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The seeded plan of a run's faults: a pure function of the seed, the chosen fault names and their hold ranges. Each
 * round takes every chosen fault once in a shuffled order, so a run long enough for one round covers every fault;
 * hold times are drawn from each fault's range, quiet gaps from {@code gapRangeMs}, and each fault gets its own seed
 * for its target choices (which also depend on the cluster as sampled when it starts).
 *
 * <p>Without overlap the run executes the plans one after another (inject, hold, undo, wait for healing, quiet gap)
 * until the duration is over; with overlap, plan {@code i} starts at {@code atMs}, whatever the others do.
 */
public final class FaultSchedule {
    private FaultSchedule() {}

    /** A fault name with the hold range it draws from. */
    public record Choice(String name, long minHoldMs, long maxHoldMs) {}

    /**
     * Plans {@code count} faults.
     *
     * @param gapRangeMs {min, max} of the quiet gap after each fault (without overlap) or between starts (with)
     */
    public static List<FaultPlan> plan(long seed, List<Choice> choices, int count, long[] gapRangeMs) {
        if (choices.isEmpty()) {
            return List.of();
        }
        Random random = new Random(seed);
        List<FaultPlan> plans = new ArrayList<>(count);
        List<Choice> round = new ArrayList<>();
        long at = 0;
        for (int i = 0; i < count; i++) {
            if (round.isEmpty()) {
                round.addAll(choices);
                Collections.shuffle(round, random);
            }
            Choice c = round.remove(0);
            long hold = between(random, c.minHoldMs(), c.maxHoldMs());
            long gap = between(random, gapRangeMs[0], gapRangeMs[1]);
            at += gap;
            plans.add(new FaultPlan("f" + (i + 1), c.name(), at, hold, gap, random.nextLong()));
        }
        return plans;
    }

    private static long between(Random random, long min, long max) {
        return max <= min ? min : min + (long) (random.nextDouble() * (max - min));
    }
}
