package io.sluice.broker.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code docker-compose config}: Compose's own validation of the file, where the tool is installed (no engine needed). */
@Timeout(120)
class DockerComposeConfigTest {

    @Test
    void composeAcceptsTheFile() {
        Optional<Path> compose = RepoFiles.onPath("docker-compose");
        assumeThat(compose)
                .as("docker-compose is not installed (Debian: apt-get install docker-compose); skipping its validation")
                .isPresent();

        RepoFiles.Run run = RepoFiles.run(
                List.of(compose.get().toString(), "-f", "docker-compose.yml", "config", "-q"), Map.of(), 90);

        assertThat(run.exitCode()).as("docker-compose config: %s", run.stderr()).isZero();
    }

    @Test
    void composeSeesTheServicesAndVolumes() {
        Optional<Path> compose = RepoFiles.onPath("docker-compose");
        assumeThat(compose).as("docker-compose is not installed; skipping").isPresent();

        RepoFiles.Run services = RepoFiles.run(
                List.of(compose.get().toString(), "-f", "docker-compose.yml", "config", "--services"), Map.of(), 90);
        RepoFiles.Run volumes = RepoFiles.run(
                List.of(compose.get().toString(), "-f", "docker-compose.yml", "config", "--volumes"), Map.of(), 90);

        assertThat(services.exitCode()).as(services.stderr()).isZero();
        // the observability profile's services and volumes are listed by some Compose versions without --profile
        assertThat(services.stdout().lines().toList())
                .contains("zookeeper", "broker-1", "broker-2", "broker-3")
                .isSubsetOf("zookeeper", "broker-1", "broker-2", "broker-3", "prometheus", "grafana");
        assertThat(volumes.stdout().lines().toList())
                .contains("zookeeper-data", "zookeeper-datalog", "broker-1-data", "broker-2-data", "broker-3-data")
                .isSubsetOf(
                        "zookeeper-data",
                        "zookeeper-datalog",
                        "broker-1-data",
                        "broker-2-data",
                        "broker-3-data",
                        "prometheus-data",
                        "grafana-data");
    }
}
