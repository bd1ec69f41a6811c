package io.sluice.broker.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class YamlFilesTest {
    @Test
    void anchorsAliasesAndMergeKeysExpandAndScalarsStayText() {
        Object doc = YamlFiles.parse("""
                x-base: &base
                  image: sluice/broker:1
                  environment: &env
                    ID: "0"
                    PORT: 9092
                services:
                  one:
                    <<: *base
                    environment:
                      <<: *env
                      ID: 1
                  two: *base
                """);
        Map<?, ?> services = (Map<?, ?>) ((Map<?, ?>) doc).get("services");
        assertThat(services.get("one"))
                .isEqualTo(Map.of("image", "sluice/broker:1", "environment", Map.of("ID", "1", "PORT", "9092")));
        assertThat(services.get("two"))
                .isEqualTo(Map.of("image", "sluice/broker:1", "environment", Map.of("ID", "0", "PORT", "9092")));
    }

    @Test
    void multipleDocumentsAreReadAndEmptyOnesSkipped() {
        assertThat(YamlFiles.parseAll("a: 1\n---\n---\n- true\n- null\n"))
                .containsExactly(Map.of("a", "1"), java.util.Arrays.asList("true", null));
        assertThatThrownBy(() -> YamlFiles.parse("a: 1\n---\nb: 2\n"))
                .hasMessageContaining("Expected one YAML document, found 2");
    }

    @Test
    void aDuplicateKeyIsAnError() {
        assertThatThrownBy(() -> YamlFiles.parse("a: 1\na: 2\n")).hasMessageContaining("duplicate key a");
    }
}
