package io.sluice.broker.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code SLUICE_LOG_FORMAT=json} switches the broker's logback configuration ({@code broker/src/main/resources/
 * logback.xml}) to one JSON object per line; without it the lines are text. Runs a child JVM with that configuration
 * and the variable in its environment.
 */
@Timeout(60)
class LogFormatTest {
    private static final String MESSAGE = "[BrokerServer broker=7] started: listening on PLAINTEXT://127.0.0.1:9092";

    @Test
    void jsonFormatWritesOneJsonObjectPerLine() throws Exception {
        RepoFiles.Run run = logOneLine(Map.of("SLUICE_LOG_FORMAT", "json"));
        List<String> lines = run.stdout().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as(run.stderr()).hasSize(1);
        JsonNode event = new ObjectMapper().readTree(lines.get(0));
        assertThat(event.path("level").asText()).isEqualTo("INFO");
        assertThat(event.path("loggerName").asText()).isEqualTo("io.sluice.broker.server.BrokerServer");
        assertThat(event.path("formattedMessage").asText()).isEqualTo(MESSAGE);
        assertThat(event.path("timestamp").asLong()).isPositive();
        assertThat(event.path("threadName").asText()).isEqualTo("main");
    }

    @Test
    void textIsTheDefault() {
        RepoFiles.Run run = logOneLine(Map.of());
        List<String> lines = run.stdout().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as(run.stderr()).hasSize(1);
        assertThat(lines.get(0))
                .doesNotStartWith("{")
                .contains(" INFO  [main] ")
                .endsWith(MESSAGE);
    }

    private static RepoFiles.Run logOneLine(Map<String, String> env) {
        Path config = RepoFiles.root().resolve("broker/src/main/resources/logback.xml");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        RepoFiles.Run run = RepoFiles.run(
                List.of(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        "-Dlogback.configurationFile=" + config,
                        "-Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener",
                        LogLineMain.class.getName()),
                env,
                45);
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        return run;
    }
}
