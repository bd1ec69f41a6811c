package io.sluice.broker.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class MiniYamlTest {

    @Test
    void readsNestedMappingsSequencesAndScalars() {
        String text = """
                # comment
                services:
                  a:
                    image: "x:1"   # trailing comment
                    ports:
                      - "9092:9092"
                      - 9404:9404
                    env:
                      K: 'it''s'
                      EMPTY:
                  b:
                    list:
                    - one
                    - two
                volumes:
                  data:
                """;

        Object doc = MiniYaml.parse(text);

        assertThat(doc)
                .isEqualTo(Map.of(
                        "services",
                        Map.of(
                                "a",
                                Map.of(
                                        "image",
                                        "x:1",
                                        "ports",
                                        List.of("9092:9092", "9404:9404"),
                                        "env",
                                        mapWithNull("K", "it's", "EMPTY")),
                                "b",
                                Map.of("list", List.of("one", "two"))),
                        "volumes",
                        mapWithNull(null, null, "data")));
    }

    @Test
    void readsSequencesOfMappingsBlockScalarsAndDocuments() {
        String text = """
                kind: A
                items:
                  - name: first
                    command:
                      - bash
                      - -c
                      - |
                        echo "# not a comment"
                          indented
                    flow: [a, "b c"]
                    empty: {}
                ---
                kind: B
                script: |-
                  last line
                """;

        List<Object> docs = MiniYaml.parseAll(text);

        assertThat(docs).hasSize(2);
        Map<?, ?> first = (Map<?, ?>) docs.get(0);
        Map<?, ?> item = (Map<?, ?>) ((List<?>) first.get("items")).get(0);
        assertThat(item.get("name")).isEqualTo("first");
        assertThat(item.get("command")).isEqualTo(List.of("bash", "-c", "echo \"# not a comment\"\n  indented\n"));
        assertThat(item.get("flow")).isEqualTo(List.of("a", "b c"));
        assertThat(item.get("empty")).isEqualTo(Map.of());
        assertThat(docs.get(1)).isEqualTo(Map.of("kind", "B", "script", "last line"));
    }

    @Test
    void rejectsWhatItDoesNotUnderstand() {
        assertThatThrownBy(() -> MiniYaml.parse("a: &anchor 1\n"))
                .hasMessageContaining("line 1")
                .hasMessageContaining("unsupported");
        assertThatThrownBy(() -> MiniYaml.parse("a: 1\na: 2\n")).hasMessageContaining("duplicate key 'a'");
        assertThatThrownBy(() -> MiniYaml.parse("a:\n    b: 1\n  c: 2\n")).hasMessageContaining("indentation");
        assertThatThrownBy(() -> MiniYaml.parse("a: [[1]]\n")).hasMessageContaining("nested flow");
        assertThatThrownBy(() -> MiniYaml.parse("just text\n")).hasMessageContaining("key: value");
    }

    private static Map<String, Object> mapWithNull(String key, Object value, String nullKey) {
        Map<String, Object> map = new java.util.LinkedHashMap<>();
        if (key != null) {
            map.put(key, value);
        }
        map.put(nullKey, null);
        return map;
    }
}
