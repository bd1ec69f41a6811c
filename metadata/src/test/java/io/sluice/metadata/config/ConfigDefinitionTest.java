package io.sluice.metadata.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ConfigDefinitionTest {
    private static final ConfigKey<Integer> PORT = ConfigKey.intKey("port")
            .defaultValue(80)
            .validator(Validator.between(1, 65535))
            .doc("a port")
            .build();
    private static final ConfigKey<Long> SIZE =
            ConfigKey.longKey("size").required().build();
    private static final ConfigKey<Double> RATIO = ConfigKey.doubleKey("ratio")
            .defaultValue(0.5)
            .validator(Validator.between(0, 1))
            .build();
    private static final ConfigKey<Boolean> FLAG =
            ConfigKey.booleanKey("flag").defaultValue(false).dynamic().build();
    private static final ConfigKey<String> MODE = ConfigKey.stringKey("mode")
            .optional()
            .validator(Validator.oneOf("a", "b"))
            .build();
    private static final ConfigKey<List<String>> ITEMS = ConfigKey.listKey("items")
            .defaultValue(List.of("x"))
            .validator(Validator.nonEmptyListOf("x", "y"))
            .build();
    private static final ConfigDefinition DEF = ConfigDefinition.of(List.of(PORT, SIZE, RATIO, FLAG, MODE, ITEMS));

    @Test
    void defaultsAndRequiredAndOptional() {
        ConfigValues v = DEF.parse(Map.of("size", "12"));
        assertThat(v.get(PORT)).isEqualTo(80);
        assertThat(v.get(SIZE)).isEqualTo(12L);
        assertThat(v.get(RATIO)).isEqualTo(0.5);
        assertThat(v.get(FLAG)).isFalse();
        assertThat(v.find(MODE)).isEmpty();
        assertThat(v.get(ITEMS)).containsExactly("x");
        assertThat(v.isSet("size")).isTrue();
        assertThat(v.isSet("port")).isFalse();
        assertThat(FLAG.isDynamic()).isTrue();
        assertThat(PORT.isDynamic()).isFalse();
    }

    @Test
    void parsesEveryType() {
        ConfigValues v = DEF.parse(Map.of(
                "size", " 9000000000 ",
                "port", "8080",
                "ratio", "0.25",
                "flag", "TRUE",
                "mode", "b",
                "items", " y , x ,"));
        assertThat(v.get(SIZE)).isEqualTo(9_000_000_000L);
        assertThat(v.get(PORT)).isEqualTo(8080);
        assertThat(v.get(RATIO)).isEqualTo(0.25);
        assertThat(v.get(FLAG)).isTrue();
        assertThat(v.get(MODE)).isEqualTo("b");
        assertThat(v.get(ITEMS)).containsExactly("y", "x");
    }

    @Test
    void parsesProperties() {
        Properties p = new Properties();
        p.setProperty("size", "1");
        p.setProperty("mode", "a");
        assertThat(DEF.parse(p).get(MODE)).isEqualTo("a");
    }

    @Test
    void everyBadInputNamesTheKeyAndValue() {
        assertBad(Map.of("size", "1", "bogus", "1"), "bogus", "Unknown configuration bogus");
        assertBad(Map.of(), "size", "Missing required configuration size");
        assertBad(Map.of("size", "ten"), "size", "Invalid value ten for configuration size: Not a number of type LONG");
        assertBad(
                Map.of("size", "1", "port", "0"),
                "port",
                "Invalid value 0 for configuration port: Value must be at least 1");
        assertBad(Map.of("size", "1", "port", "70000"), "port", "Value must be no more than 65535");
        assertBad(Map.of("size", "1", "port", "2147483648"), "port", "Not a number of type INT");
        assertBad(Map.of("size", "1", "ratio", "1.5"), "ratio", "Invalid value 1.5 for configuration ratio");
        assertBad(Map.of("size", "1", "flag", "yes"), "flag", "Invalid value yes for configuration flag");
        assertBad(Map.of("size", "1", "mode", "c"), "mode", "String must be one of: a, b");
        assertBad(Map.of("size", "1", "items", "x,z"), "items", "Invalid value x,z for configuration items");
        assertBad(Map.of("size", "1", "items", "x,x"), "items", "Duplicate");
        assertBad(Map.of("size", "1", "items", " , "), "items", "Empty list");
    }

    private static void assertBad(Map<String, String> raw, String key, String message) {
        assertThatThrownBy(() -> DEF.parse(raw))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.key()).isEqualTo(key))
                .hasMessageContaining(message);
    }

    @Test
    void definitionsRejectDuplicatesAndBadDefaults() {
        assertThatThrownBy(() -> ConfigDefinition.of(List.of(PORT, PORT)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("port");
        assertThatThrownBy(() -> ConfigKey.intKey("x")
                        .defaultValue(-1)
                        .validator(Validator.atLeast(0))
                        .build())
                .isInstanceOf(ConfigException.class);
    }

    @Test
    void valuesOfAnotherDefinitionAreRefused() {
        ConfigKey<Integer> other = ConfigKey.intKey("port").defaultValue(1).build();
        ConfigValues v = DEF.parse(Map.of("size", "1"));
        assertThatThrownBy(() -> v.get(other)).isInstanceOf(IllegalArgumentException.class);
    }
}
