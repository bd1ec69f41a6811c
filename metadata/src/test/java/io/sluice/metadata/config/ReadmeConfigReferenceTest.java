package io.sluice.metadata.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Keeps the configuration reference in README.md generated from the keys the parser enforces. Run with
 * {@code -Dsluice.docs.update=true} to rewrite the README sections after changing a key.
 */
@Timeout(30)
class ReadmeConfigReferenceTest {

    private static final Path README = Paths.get("..", "README.md");

    @Test
    void brokerConfigReferenceMatchesTheKeys() throws IOException {
        checkSection("broker-config", ConfigDocs.markdownTable(BrokerConfigKeys.DEFINITION));
    }

    @Test
    void topicConfigReferenceMatchesTheKeys() throws IOException {
        checkSection("topic-config", ConfigDocs.topicMarkdownTable());
    }

    @Test
    void everyKeyIsDocumented() {
        for (ConfigDefinition def : new ConfigDefinition[] {BrokerConfigKeys.DEFINITION, TopicConfig.DEFINITION}) {
            assertThat(def.keys())
                    .allSatisfy(key ->
                            assertThat(key.doc()).as("doc of %s", key.name()).isNotBlank());
        }
    }

    private static void checkSection(String name, String expected) throws IOException {
        String begin = "<!-- BEGIN GENERATED " + name + " -->\n";
        String end = "<!-- END GENERATED " + name + " -->";
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        int from = readme.indexOf(begin);
        int to = readme.indexOf(end);
        assertThat(from).as("README.md has a '%s' marker", begin.trim()).isGreaterThanOrEqualTo(0);
        assertThat(to).as("README.md has a '%s' marker", end).isGreaterThan(from);
        String actual = readme.substring(from + begin.length(), to);
        if (Boolean.getBoolean("sluice.docs.update") && !actual.equals(expected)) {
            Files.writeString(
                    README,
                    readme.substring(0, from + begin.length()) + expected + readme.substring(to),
                    StandardCharsets.UTF_8);
            return;
        }
        assertThat(actual)
                .as(
                        "README.md section '%s' is stale; regenerate with "
                                + "mvn -pl metadata test -Dtest=ReadmeConfigReferenceTest -Dsluice.docs.update=true",
                        name)
                .isEqualTo(expected);
    }
}
