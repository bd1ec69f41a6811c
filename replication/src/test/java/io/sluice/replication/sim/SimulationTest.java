package io.sluice.replication.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Runs the replication simulation over several seeds. {@code -Dsluice.sim.seed=<n>} runs only that seed (to replay a
 * failure), {@code -Dsluice.sim.steps=<m>} sets the steps per seed, {@code -Dsluice.sim.seeds=<k>} the number of seeds
 * (from 1) when no seed is given, and {@code -Dsluice.sim.trace=true} logs every event. A failure names its seed and
 * step and shows the last {@value Trace#KEEP} events.
 */
@ExtendWith(QuietBrokerLoggers.class)
class SimulationTest {
    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(SimulationTest.class);
    private static final int DEFAULT_SEEDS = 20;
    private static final int DEFAULT_STEPS = 500;

    @TempDir
    Path tmp;

    private static int steps() {
        return Integer.getInteger("sluice.sim.steps", DEFAULT_STEPS);
    }

    @TestFactory
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    Stream<DynamicTest> seeds() {
        String replay = System.getProperty("sluice.sim.seed");
        LongStream seeds = replay != null
                ? LongStream.of(Long.parseLong(replay))
                : LongStream.rangeClosed(1, Integer.getInteger("sluice.sim.seeds", DEFAULT_SEEDS));
        // @Timeout bounds the factory only; each dynamic test bounds its own run.
        Duration limit = Duration.ofMillis(Math.max(120_000L, 100L * steps()));
        return seeds.mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed, () -> {
            Simulation.Result result = assertTimeoutPreemptively(limit, () -> runOnce(seed, steps(), "run"));
            assertThat(result.committed()).as("records committed").isPositive();
        }));
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void sameSeedSameTrace() throws Exception {
        long seed = Long.getLong("sluice.sim.seed", 7L);
        Simulation.Result first = runOnce(seed, 300, "first");
        Simulation.Result second = runOnce(seed, 300, "second");
        assertThat(second.traceHash()).isEqualTo(first.traceHash());
        assertThat(second.events()).isEqualTo(first.events());
        Simulation.Result other = runOnce(seed + 1, 300, "other");
        assertThat(other.traceHash()).as("another seed takes another path").isNotEqualTo(first.traceHash());
    }

    /** The checker must not be blind: an election that ignores the ISR loses acknowledged data for some seed. */
    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aBrokenElectionIsCaught() throws Exception {
        int caught = 0;
        for (long seed = 1; seed <= 10; seed++) {
            Path root = Files.createDirectories(tmp.resolve("broken-" + seed));
            try (Simulation sim = new Simulation(seed, root, true)) {
                sim.run(500);
            } catch (AssertionError e) {
                assertThat(e.getMessage()).contains("-Dsluice.sim.seed=" + seed);
                LOG.info(
                        "Broken election caught with seed {}: {}",
                        seed,
                        e.getMessage().lines().findFirst().orElse(""));
                caught++;
            }
        }
        assertThat(caught).as("seeds whose run caught the broken election").isPositive();
    }

    private Simulation.Result runOnce(long seed, int steps, String name) throws Exception {
        Path root = Files.createDirectories(tmp.resolve("seed-" + seed + "-" + name));
        try (Simulation sim = new Simulation(seed, root)) {
            Simulation.Result result = sim.run(steps);
            LOG.info(
                    "Simulation seed {} ({} steps): {} events, {} crashes, {} quiescent points, {} committed records"
                            + " ({} acknowledged or consumed), trace hash {}",
                    seed,
                    steps,
                    result.events(),
                    result.crashes(),
                    result.quiescences(),
                    result.committed(),
                    result.mustSurvive(),
                    Long.toHexString(result.traceHash()));
            return result;
        }
    }
}
