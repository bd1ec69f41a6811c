package io.sluice.chaos.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClusterSettingsTest {
    @Test
    void overridesReplaceTheDefaultsAndEnvReachesTheScripts() {
        ClusterSettings s = new ClusterSettings(4_000, 4_500, "-Xmx256m")
                .withOverride("unclean.leader.election.enable", "true")
                .withOverride("min.insync.replicas", "1")
                .withEnv("SLUICE_BROKER_MAIN", "x.Y");

        assertThat(s.brokerProperties())
                .containsEntry("unclean.leader.election.enable", "true")
                .containsEntry("min.insync.replicas", "1")
                .containsEntry("zookeeper.session.timeout.ms", "4000");
        assertThat(s.processEnv())
                .containsEntry("SLUICE_HEAP_OPTS", "-Xmx256m")
                .containsEntry("SLUICE_BROKER_MAIN", "x.Y");
    }

    @Test
    void theDefaultsPromiseTheCheckedSettings() {
        assertThat(ClusterSettings.DEFAULT.brokerProperties())
                .containsEntry("unclean.leader.election.enable", "false")
                .containsEntry("min.insync.replicas", "2");
        assertThat(ClusterSettings.DEFAULT.processEnv()).containsOnlyKeys("SLUICE_HEAP_OPTS");
    }
}
