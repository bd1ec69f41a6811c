package io.sluice.broker.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class GroupMetricsTest {
    @Test
    void countsGroupsPerState() {
        CoordinatorFixture f = new CoordinatorFixture();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        GroupMetrics.register(registry, f.coordinator);
        f.stableSingleMember("stable");
        String member = f.memberIdFor("completing");
        f.join("completing", member).orTimeout(2, TimeUnit.SECONDS).join();
        f.coordinator
                .commitOffsets("empty", "", java.util.Optional.empty(), -1, Map.of())
                .orTimeout(2, TimeUnit.SECONDS)
                .join();

        assertThat(gauge(registry, "Stable")).isEqualTo(1.0);
        assertThat(gauge(registry, "CompletingRebalance")).isEqualTo(1.0);
        assertThat(gauge(registry, "PreparingRebalance")).isEqualTo(0.0);
        assertThat(gauge(registry, "Empty")).isEqualTo(1.0);
    }

    private static double gauge(SimpleMeterRegistry registry, String state) {
        return registry.get("sluice.group.coordinator.groups")
                .tag("state", state)
                .gauge()
                .value();
    }
}
