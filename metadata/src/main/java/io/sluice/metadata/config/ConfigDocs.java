package io.sluice.metadata.config;

import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Renders a {@link ConfigDefinition} as the Markdown reference table the README carries, so the documentation is
 * generated from the same keys the parser enforces (a test keeps the README in step).
 *
 * <p>Thread-safety: stateless.
 */
public final class ConfigDocs {

    private ConfigDocs() {}

    /** One row per key, sorted by name: key, type, default, dynamic, valid values and description. */
    public static String markdownTable(ConfigDefinition definition) {
        return markdownTable(definition, key -> defaultText(key));
    }

    /** The topic-level table: the default column names the broker keys each topic key defaults from. */
    public static String topicMarkdownTable() {
        return markdownTable(TopicConfig.DEFINITION, key -> {
            List<String> synonyms = TopicConfig.brokerSynonyms(key.name());
            return synonyms.isEmpty()
                    ? defaultText(key)
                    : synonyms.stream().map(s -> "`" + s + "`").collect(Collectors.joining(" / "));
        });
    }

    private static String markdownTable(
            ConfigDefinition definition, java.util.function.Function<ConfigKey<?>, String> defaultColumn) {
        List<ConfigKey<?>> keys = definition.keys().stream()
                .sorted(Comparator.comparing(ConfigKey::name))
                .collect(Collectors.toList());
        StringBuilder out = new StringBuilder();
        out.append("| key | type | default | dynamic | valid values | description |\n");
        out.append("|---|---|---|---|---|---|\n");
        for (ConfigKey<?> key : keys) {
            out.append("| `")
                    .append(key.name())
                    .append("` | ")
                    .append(key.type().name().toLowerCase(java.util.Locale.ROOT))
                    .append(" | ")
                    .append(defaultColumn.apply(key))
                    .append(" | ")
                    .append(key.isDynamic() ? "yes" : "no")
                    .append(" | ")
                    .append(escape(key.validValues()))
                    .append(" | ")
                    .append(escape(key.doc()))
                    .append(" |\n");
        }
        return out.toString();
    }

    private static String defaultText(ConfigKey<?> key) {
        return typedDefaultText(key);
    }

    private static <T> String typedDefaultText(ConfigKey<T> key) {
        return switch (key.presence()) {
            case REQUIRED -> "*(required)*";
            case OPTIONAL ->
                key.defaultValue().map(v -> "`" + key.render(v) + "`").orElse("*(none)*");
            case DEFAULTED ->
                key.defaultValue()
                        .map(v -> {
                            String rendered = key.render(v);
                            return rendered.isEmpty() ? "*(empty)*" : "`" + rendered + "`";
                        })
                        .orElse("*(none)*");
        };
    }

    private static String escape(String text) {
        return text == null ? "" : text.replace("|", "\\|").replace("\n", " ");
    }
}
