package io.sluice.broker.group;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;

/**
 * The group coordinator's meters: {@code sluice.group.coordinator.groups{state=...}}, the number of groups this
 * broker coordinates in each state (Kafka's state names).
 *
 * <p>Concurrency: the gauges read the coordinator, which is thread-safe.
 */
public final class GroupMetrics {
    private GroupMetrics() {}

    /** Registers the gauges of {@code coordinator} in {@code registry}. */
    public static void register(MeterRegistry registry, GroupCoordinator coordinator) {
        Objects.requireNonNull(coordinator, "coordinator");
        for (GroupState state : GroupState.values()) {
            if (state == GroupState.DEAD) {
                continue;
            }
            Gauge.builder(
                            "sluice.group.coordinator.groups",
                            coordinator,
                            c -> c.groupCountsByState().get(state))
                    .description("Groups coordinated by this broker, by state")
                    .tag("state", state.label())
                    .register(registry);
        }
    }
}
