package io.sluice.replication.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.replication.partition.UnsafeTestSwitches;
import io.sluice.replication.partition.UnsafeTestSwitches.Switch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

/**
 * The simulation's checker is not blind to the replication bugs that {@link UnsafeTestSwitches} re-introduces: with a
 * switch on (and the simulation's direct check of the HW rule off, so that only the effects on the data count) one of a
 * few fixed seeds ends with an acknowledged or consumed record lost or changed; with the switch off the same seed
 * passes. Every switch is turned off again after each test.
 */
@ExtendWith(QuietBrokerLoggers.class)
class SimulationBitesTest {
    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(SimulationBitesTest.class);
    /**
     * Seeds to try per switch, stopping at the first that bites; the first of each is known to bite (seed 2 changes a
     * committed record under {@code hw-past-uncommitted-shrink}, seed 7 loses one under {@code truncate-to-hw}), the
     * others are there so that a change of the simulation's paths does not silently leave a switch unproven.
     */
    private static final Map<Switch, long[]> SEEDS = Map.of(
            Switch.HW_PAST_UNCOMMITTED_SHRINK, new long[] {2, 1, 3, 4},
            Switch.TRUNCATE_TO_HW, new long[] {7, 1, 2, 3});

    private static final int STEPS = 600;
    /** What the checker says when data went missing or changed (not when a rule was broken without effect yet). */
    private static final List<String> DATA_ANOMALIES =
            List.of("acknowledged or consumed record lost", "one value per offset", "duplicate:");

    @TempDir
    Path tmp;

    @AfterEach
    void switchesOff() {
        UnsafeTestSwitches.reset();
    }

    @ParameterizedTest
    @EnumSource(Switch.class)
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void theCheckerCatchesTheBrokenRule(Switch broken) throws Exception {
        OptionalLong biting = OptionalLong.empty();
        UnsafeTestSwitches.enable(broken, true);
        try {
            for (long seed : SEEDS.get(broken)) {
                if (biting.isPresent()) {
                    break;
                }
                String failure = runOnce(seed, broken.externalName());
                if (failure != null) {
                    String first = failure.lines().findFirst().orElse("");
                    LOG.info("{} with seed {}: {}", broken.externalName(), seed, first);
                    if (DATA_ANOMALIES.stream().anyMatch(first::contains)) {
                        biting = OptionalLong.of(seed);
                    }
                }
            }
        } finally {
            UnsafeTestSwitches.reset();
        }
        assertThat(biting)
                .as(
                        "a seed of %s whose run reports lost or changed records with %s on",
                        Arrays.toString(SEEDS.get(broken)), broken)
                .isPresent();
        long seed = biting.getAsLong();
        LOG.info("{} caught with seed {}; the same seed with the switch off:", broken.externalName(), seed);
        assertThat(runOnce(seed, "off"))
                .as("seed %d with every switch off", seed)
                .isNull();
    }

    /** Runs one seed without the HW-rule check; the failure message, or null if the run passed. */
    private String runOnce(long seed, String name) throws Exception {
        Path root = Files.createDirectories(tmp.resolve(name + "-" + seed));
        try (Simulation sim = new Simulation(seed, root).withoutHwRuleCheck()) {
            sim.run(STEPS);
            return null;
        } catch (AssertionError e) {
            return e.getMessage();
        }
    }
}
