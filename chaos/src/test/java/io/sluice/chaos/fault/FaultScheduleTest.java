package io.sluice.chaos.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class FaultScheduleTest {
    private static final List<FaultSchedule.Choice> CHOICES = FaultCatalog.ALL.stream()
            .map(f -> new FaultSchedule.Choice(f.name(), 1_000, 5_000))
            .toList();
    private static final long[] GAP = {3_000, 5_000};

    @Test
    void sameSeedSamePlan() {
        List<FaultPlan> a = FaultSchedule.plan(42, CHOICES, 50, GAP);
        List<FaultPlan> b = FaultSchedule.plan(42, CHOICES, 50, GAP);
        assertThat(a).isEqualTo(b);
    }

    @Test
    void differentSeedsDifferentPlans() {
        assertThat(FaultSchedule.plan(1, CHOICES, 20, GAP)).isNotEqualTo(FaultSchedule.plan(2, CHOICES, 20, GAP));
    }

    @Test
    void everyRoundCoversEveryFaultOnce() {
        int n = CHOICES.size();
        List<FaultPlan> plans = FaultSchedule.plan(7, CHOICES, 2 * n, GAP);
        Set<String> all = CHOICES.stream().map(FaultSchedule.Choice::name).collect(Collectors.toSet());
        assertThat(plans.subList(0, n).stream().map(FaultPlan::fault).collect(Collectors.toSet()))
                .isEqualTo(all);
        assertThat(plans.subList(n, 2 * n).stream().map(FaultPlan::fault).collect(Collectors.toSet()))
                .isEqualTo(all);
    }

    @Test
    void holdsAndGapsStayInTheirRangesAndStartsIncrease() {
        List<FaultPlan> plans = FaultSchedule.plan(99, CHOICES, 40, GAP);
        long previous = 0;
        for (FaultPlan p : plans) {
            assertThat(p.holdMs()).isBetween(1_000L, 5_000L);
            assertThat(p.gapMs()).isBetween(3_000L, 5_000L);
            assertThat(p.atMs()).isGreaterThan(previous);
            previous = p.atMs();
        }
        assertThat(plans).extracting(FaultPlan::id).startsWith("f1", "f2", "f3");
    }

    @Test
    void aSubsetDrawsOnlyFromItself() {
        List<FaultSchedule.Choice> two = List.of(
                new FaultSchedule.Choice("kill-leader", 2_000, 6_000),
                new FaultSchedule.Choice("latency", 5_000, 10_000));
        assertThat(FaultSchedule.plan(3, two, 10, GAP))
                .extracting(FaultPlan::fault)
                .containsOnly("kill-leader", "latency");
    }

    @Test
    void catalogNamesAreUnique() {
        assertThat(FaultCatalog.ALL.stream().map(FaultType::name).distinct().count())
                .isEqualTo(FaultCatalog.ALL.size());
    }
}
