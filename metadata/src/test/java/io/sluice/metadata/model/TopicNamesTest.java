package io.sluice.metadata.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TopicNamesTest {

    @Test
    void legalNamesUseKafkasCharactersAndLength() {
        assertThat(TopicNames.isValid("orders")).isTrue();
        assertThat(TopicNames.isValid("a.b_c-D9")).isTrue();
        assertThat(TopicNames.isValid("__consumer_offsets")).isTrue();
        assertThat(TopicNames.isValid("x".repeat(249))).isTrue();
        assertThat(TopicNames.isValid("...")).isTrue();

        assertThat(TopicNames.invalidReason("x".repeat(250)))
                .hasValueSatisfying(m -> assertThat(m).contains("249").contains("250 characters"));
        assertThat(TopicNames.invalidReason(""))
                .hasValueSatisfying(m -> assertThat(m).contains("empty"));
        assertThat(TopicNames.invalidReason(null)).isPresent();
        assertThat(TopicNames.invalidReason(".")).isPresent();
        assertThat(TopicNames.invalidReason("..")).isPresent();
        for (String bad : List.of("bad name", "bad/name", "bad:name", "naïve", "tab\tname", "new\nline", "slash\\")) {
            assertThat(TopicNames.invalidReason(bad)).as(bad).isPresent();
        }
    }

    @Test
    void controlCharactersAreRefusedAndEscapedInTheMessage() {
        assertThat(TopicNames.invalidReason("bad\u0001name"))
                .hasValueSatisfying(m -> assertThat(m)
                        .contains("bad\\u0001name")
                        .contains("index 3")
                        .doesNotContain("\u0001"));
        for (char c = 0; c < 0x20; c++) {
            assertThat(TopicNames.isValid("t" + c)).as("U+%04X", (int) c).isFalse();
        }
        assertThat(TopicNames.isValid("t\u007f")).isFalse();
        assertThat(TopicNames.isValid("t\u0000")).isFalse();
        assertThat(TopicNames.invalidReason("\u0001".repeat(300)))
                .hasValueSatisfying(m -> assertThat(m).doesNotContain("\u0001"));
    }

    @Test
    void namesThatDifferOnlyInDotAndUnderscoreCollideBothWays() {
        assertThat(TopicNames.collide("dot.name", "dot_name")).isTrue();
        assertThat(TopicNames.collide("dot_name", "dot.name")).isTrue();
        assertThat(TopicNames.collide("a.b_c", "a_b.c")).isTrue();
        assertThat(TopicNames.collide("dot.name", "dot.name"))
                .as("a name does not collide with itself")
                .isFalse();
        assertThat(TopicNames.collide("dot.name", "dot-name")).isFalse();
        assertThat(TopicNames.collide("dotname", "dot_name")).isFalse();

        assertThat(TopicNames.collisionReason("dot_name", List.of("other", "dot.name")))
                .hasValueSatisfying(m -> assertThat(m).contains("dot_name").contains("dot.name"));
        assertThat(TopicNames.collisionReason("dot.name", List.of("dot_name"))).isPresent();
        assertThat(TopicNames.collisionReason("dot.name", List.of("dot.name", "dot-name")))
                .isEmpty();
        assertThat(TopicNames.collisions("a.b", List.of("a_b", "a.b", "a_b_", "A_b")))
                .containsExactly("a_b");
        assertThat(TopicNames.collisions("plain", List.of("plain", "pla_in"))).isEmpty();
    }

    @Test
    void internalTopics() {
        assertThat(TopicNames.isInternal("__consumer_offsets")).isTrue();
        assertThat(TopicNames.isInternal("__transaction_state")).isTrue();
        assertThat(TopicNames.isInternal("orders")).isFalse();
    }
}
