package io.sluice.broker.deploy;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression selects: identifiers that are not functions or aggregations (followed by
 * {@code (}), keywords, label names (inside {@code {...}} or the {@code by}/{@code without}/{@code on}/
 * {@code ignoring}/{@code group_left}/{@code group_right} lists), strings, range durations or Grafana variables.
 * Grafana's {@code label_values(metric, label)} yields its metric.
 */
final class PromQlNames {
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*\\}");
    private static final Pattern RANGES = Pattern.compile("\\[[^]]*\\]");
    private static final Pattern LABEL_LISTS =
            Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern VARIABLES = Pattern.compile("\\$\\{?[a-zA-Z_][a-zA-Z0-9_]*\\}?");
    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");
    private static final Set<String> KEYWORDS =
            Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "inf", "nan");

    private PromQlNames() {}

    static Set<String> of(String expr) {
        Set<String> names = new LinkedHashSet<>();
        Matcher labelValues = LABEL_VALUES.matcher(expr);
        if (labelValues.find()) {
            names.add(labelValues.group(1));
            return names;
        }
        String stripped = STRING.matcher(expr).replaceAll(" ");
        stripped = MATCHERS.matcher(stripped).replaceAll(" ");
        stripped = RANGES.matcher(stripped).replaceAll(" ");
        stripped = LABEL_LISTS.matcher(stripped).replaceAll(" ");
        stripped = VARIABLES.matcher(stripped).replaceAll(" ");
        Matcher m = IDENTIFIER.matcher(stripped);
        while (m.find()) {
            String word = m.group(1);
            if (m.group(2) == null && !KEYWORDS.contains(word.toLowerCase(java.util.Locale.ROOT))) {
                names.add(word);
            }
        }
        return names;
    }
}
