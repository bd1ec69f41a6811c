package io.sluice.broker.deploy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A parsed Prometheus text exposition (format 0.0.4) and the quantile estimate of PromQL's {@code histogram_quantile}
 * over its {@code _bucket} samples, for checks of a real scrape.
 */
final class Exposition {
    private static final Pattern SAMPLE =
            Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})?\\s+(\\S+)(?:\\s+-?\\d+)?$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** One sample line. */
    record Sample(String name, Map<String, String> labels, double value) {}

    private final List<Sample> samples;

    private Exposition(List<Sample> samples) {
        this.samples = samples;
    }

    static Exposition parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line.strip());
            if (!m.matches()) {
                throw new IllegalArgumentException("not a sample line: " + line);
            }
            Map<String, String> labels = new TreeMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            samples.add(new Sample(m.group(1), labels, parseValue(m.group(3))));
        }
        return new Exposition(samples);
    }

    /** The union of several scrapes (like one Prometheus query over several brokers). */
    static Exposition union(Collection<Exposition> scrapes) {
        return new Exposition(scrapes.stream().flatMap(e -> e.samples.stream()).toList());
    }

    private static double parseValue(String v) {
        return switch (v) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(v);
        };
    }

    Set<String> names() {
        return samples.stream().map(Sample::name).collect(Collectors.toSet());
    }

    List<Sample> samples(String name, Predicate<Map<String, String>> labels) {
        return samples.stream()
                .filter(s -> s.name().equals(name) && labels.test(s.labels()))
                .toList();
    }

    /** The sum of the samples of {@code name} whose labels match. */
    double sum(String name, Predicate<Map<String, String>> labels) {
        return samples(name, labels).stream().mapToDouble(Sample::value).sum();
    }

    /**
     * The cumulative bucket counts of histogram {@code name} (without {@code _bucket}) summed by {@code le} over the
     * matching series: {@code sum by (le) (name_bucket{...})}.
     */
    TreeMap<Double, Double> buckets(String name, Predicate<Map<String, String>> labels) {
        TreeMap<Double, Double> byLe = new TreeMap<>();
        for (Sample s : samples(name + "_bucket", labels)) {
            byLe.merge(parseValue(s.labels().get("le")), s.value(), Double::sum);
        }
        return byLe;
    }

    /**
     * PromQL's {@code histogram_quantile(q, ...)} over cumulative buckets (upper bound to count, including
     * {@code +Inf}): the rank {@code q * total} is located in the first bucket whose count reaches it, and the value is
     * interpolated linearly inside that bucket (from 0 for the first bucket); a rank in the {@code +Inf} bucket gives
     * the largest finite upper bound. NaN without observations.
     */
    static double histogramQuantile(double q, TreeMap<Double, Double> cumulative) {
        if (cumulative.isEmpty() || !cumulative.lastKey().isInfinite()) {
            return Double.NaN;
        }
        double total = cumulative.lastEntry().getValue();
        if (total == 0) {
            return Double.NaN;
        }
        double rank = q * total;
        double lowerBound = 0;
        double lowerCount = 0;
        for (Map.Entry<Double, Double> bucket : cumulative.entrySet()) {
            double upper = bucket.getKey();
            double count = bucket.getValue();
            if (count >= rank) {
                if (Double.isInfinite(upper)) {
                    return cumulative.lowerKey(upper);
                }
                if (count == lowerCount) {
                    return upper;
                }
                return lowerBound + (upper - lowerBound) * (rank - lowerCount) / (count - lowerCount);
            }
            lowerBound = upper;
            lowerCount = count;
        }
        return Double.NaN;
    }
}
