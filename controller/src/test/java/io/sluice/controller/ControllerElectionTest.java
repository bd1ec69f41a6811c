package io.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.metadata.zk.Versioned;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ControllerElectionTest {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void threeCandidatesElectExactlyOneControllerWithEpochOne() throws Exception {
        try (ControllerTestCluster cluster = ControllerTestCluster.withBrokers(3)) {
            ControllerTestCluster.SimBroker controller = cluster.awaitController();
            assertThat(cluster.zk().controllerEpoch()).map(Versioned::value).contains(1);
            assertThat(controller.controller.epoch()).isEqualTo(1);
            assertThat(cluster.liveBrokers().stream().filter(b -> b.controller.isActive()))
                    .hasSize(1);
            assertThat(controller
                            .registry
                            .get("sluice.controller.active")
                            .gauge()
                            .value())
                    .isEqualTo(1.0);
            assertThat(controller
                            .registry
                            .get("sluice.controller.epoch")
                            .gauge()
                            .value())
                    .isEqualTo(1.0);
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void killingTheControllerElectsExactlyOneNewControllerWithTheNextEpoch() throws Exception {
        try (ControllerTestCluster cluster = ControllerTestCluster.withBrokers(3)) {
            int expectedEpoch = 1;
            for (int round = 0; round < 2; round++) {
                ControllerTestCluster.SimBroker old = cluster.awaitController();
                assertThat(old.controller.epoch()).isEqualTo(expectedEpoch);
                List<ControllerTestCluster.SimBroker> survivors = new ArrayList<>(cluster.liveBrokers());
                survivors.remove(old);
                AtomicBoolean stop = new AtomicBoolean();
                List<String> violations = new ArrayList<>();
                Thread poller = new Thread(() -> {
                    while (!stop.get()) {
                        Map<Integer, Integer> activeByEpoch = new HashMap<>();
                        for (ControllerTestCluster.SimBroker b : survivors) {
                            int epoch = b.controller.epoch();
                            if (b.controller.isActive() && epoch > 0) {
                                activeByEpoch.merge(epoch, 1, Integer::sum);
                            }
                        }
                        activeByEpoch.forEach((epoch, n) -> {
                            if (n > 1) {
                                synchronized (violations) {
                                    violations.add(n + " active controllers with epoch " + epoch);
                                }
                            }
                        });
                        Thread.onSpinWait();
                    }
                });
                poller.start();
                cluster.killBroker(old.id);
                ControllerTestCluster.SimBroker next = cluster.awaitController();
                expectedEpoch++;
                int epoch = expectedEpoch;
                await().atMost(Duration.ofSeconds(10)).until(() -> next.controller.epoch() == epoch);
                stop.set(true);
                poller.join();
                assertThat(next.id).isNotEqualTo(old.id);
                assertThat(cluster.zk().controllerEpoch()).map(Versioned::value).contains(expectedEpoch);
                synchronized (violations) {
                    assertThat(violations).isEmpty();
                }
                assertThat(survivors.stream().filter(b -> b.controller.isActive()))
                        .hasSize(1);
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void cleanShutdownHandsOverAtOnce() throws Exception {
        try (ControllerTestCluster cluster = ControllerTestCluster.withBrokers(2)) {
            ControllerTestCluster.SimBroker first = cluster.awaitController();
            first.controller.shutdown();
            first.alive = false;
            ControllerTestCluster.SimBroker second = cluster.awaitController();
            assertThat(second.id).isNotEqualTo(first.id);
            assertThat(second.controller.epoch()).isEqualTo(2);
            first.client.close();
        }
    }
}
