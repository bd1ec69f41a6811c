package io.sluice.broker.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class BrokerMainTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    private Path config(String body) throws Exception {
        Path file = dir.resolve("server.properties");
        Files.writeString(file, body, StandardCharsets.ISO_8859_1);
        return file;
    }

    @Test
    void withoutArgumentsPrintsUsageAndExitsWith2() {
        assertThat(BrokerMain.run(new String[0], err)).isEqualTo(BrokerMain.EXIT_INVALID_CONFIG);
        assertThat(err()).contains("Usage: sluice-broker CONFIG");
    }

    @Test
    void anInvalidValueNamesTheKeyAndExitsWith2() throws Exception {
        Path file = config("broker.id=abc\nzookeeper.connect=127.0.0.1:2181\nlog.dirs=" + dir + "\n");

        assertThat(BrokerMain.run(new String[] {file.toString()}, err)).isEqualTo(BrokerMain.EXIT_INVALID_CONFIG);
        assertThat(err()).startsWith("Invalid configuration: ").contains("broker.id");
    }

    @Test
    void anInvalidOverrideNamesTheKeyAndExitsWith2() throws Exception {
        Path file = config("broker.id=1\nzookeeper.connect=127.0.0.1:2181\nlog.dirs=" + dir + "\n");
        String[] args = {file.toString(), "--override", "num.io.threads=many"};

        assertThat(BrokerMain.run(args, err)).isEqualTo(BrokerMain.EXIT_INVALID_CONFIG);
        assertThat(err()).startsWith("Invalid configuration: ").contains("num.io.threads");
    }

    @Test
    void anUnknownPolicyClassNamesTheKeyAndExitsWith2() throws Exception {
        Path file = config("broker.id=1\nzookeeper.connect=127.0.0.1:2181\nlog.dirs=" + dir
                + "\ncreate.topic.policy.class.name=com.example.MissingPolicy\n");

        assertThat(BrokerMain.run(new String[] {file.toString()}, err)).isEqualTo(BrokerMain.EXIT_INVALID_CONFIG);
        assertThat(err())
                .startsWith("Invalid configuration: ")
                .contains("create.topic.policy.class.name")
                .contains("com.example.MissingPolicy");
    }

    @Test
    void malformedOverridesAreUsageErrors() throws Exception {
        Path file = config("broker.id=1\nzookeeper.connect=127.0.0.1:2181\nlog.dirs=" + dir + "\n");

        assertThat(BrokerMain.run(new String[] {file.toString(), "--override", "novalue"}, err))
                .isEqualTo(BrokerMain.EXIT_INVALID_CONFIG);
        assertThat(BrokerMain.run(new String[] {file.toString(), "--bogus"}, err))
                .isEqualTo(BrokerMain.EXIT_INVALID_CONFIG);
        assertThat(err()).contains("novalue").contains("--bogus");
    }

    @Test
    void overridesApplyInOrderOverTheFile() throws Exception {
        Path file = config("broker.id=1\nzookeeper.connect=127.0.0.1:2181\nlog.dirs=" + dir + "\n");
        String[] args = {
            file.toString(), "--override", "broker.id=7", "--override", "num.partitions=4", "--override", "broker.id=9"
        };

        var config = BrokerMain.parse(args);

        assertThat(config.brokerId()).isEqualTo(9);
        assertThat(config.numPartitions()).isEqualTo(4);
    }

    @Test
    void aMissingFileExitsWith2() {
        String[] args = {dir.resolve("absent.properties").toString()};

        assertThat(BrokerMain.run(args, err)).isEqualTo(BrokerMain.EXIT_INVALID_CONFIG);
        assertThat(err()).contains("absent.properties");
    }

    @Test
    void aStartupFailureIsReportedAndExitsWith1() throws Exception {
        Path file = config("broker.id=1\nlisteners=PLAINTEXT://127.0.0.1:0\nzookeeper.connect=127.0.0.1:1\n"
                + "zookeeper.connection.timeout.ms=500\nlog.dirs=" + dir.resolve("logs") + "\n");

        assertThat(BrokerMain.run(new String[] {file.toString()}, err)).isEqualTo(BrokerMain.EXIT_STARTUP_FAILED);
        assertThat(err()).startsWith("Broker 1 failed to start: ").contains("ZooKeeper");
    }
}
