package io.sluice.broker.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ExpositionTest {

    private static final String SCRAPE = String.join(
            "\n",
            "# HELP t_seconds a timer",
            "# TYPE t_seconds histogram",
            "t_seconds_bucket{api=\"Produce\",le=\"0.001\"} 10",
            "t_seconds_bucket{api=\"Produce\",le=\"0.01\"} 60",
            "t_seconds_bucket{api=\"Produce\",le=\"0.1\"} 100",
            "t_seconds_bucket{api=\"Produce\",le=\"+Inf\"} 100",
            "t_seconds_count{api=\"Produce\"} 100",
            "t_seconds_sum{api=\"Produce\"} 1.5",
            "up 1",
            "");

    @Test
    void quantilesInterpolateInsideTheBucketLikeHistogramQuantile() {
        TreeMap<Double, Double> buckets = Exposition.parse(SCRAPE).buckets("t_seconds", l -> true);
        // rank 50 falls in (0.001, 0.01] holding ranks 10..60: 0.001 + 0.009 * 40/50
        assertThat(Exposition.histogramQuantile(0.5, buckets)).isCloseTo(0.0082, within(1e-9));
        // rank 99 in (0.01, 0.1] holding 60..100: 0.01 + 0.09 * 39/40
        assertThat(Exposition.histogramQuantile(0.99, buckets)).isCloseTo(0.09775, within(1e-9));
        // rank 5 in the first bucket, interpolated from 0
        assertThat(Exposition.histogramQuantile(0.05, buckets)).isCloseTo(0.0005, within(1e-9));
    }

    @Test
    void aRankInTheInfBucketGivesTheLargestFiniteBound() {
        TreeMap<Double, Double> buckets = new TreeMap<>();
        buckets.put(1.0, 1.0);
        buckets.put(Double.POSITIVE_INFINITY, 10.0);
        assertThat(Exposition.histogramQuantile(0.9, buckets)).isEqualTo(1.0);
        assertThat(Exposition.histogramQuantile(0.5, new TreeMap<>())).isNaN();
    }

    @Test
    void promQlNamesSkipFunctionsLabelsStringsAndRanges() {
        assertThat(
                        PromQlNames.of(
                                "histogram_quantile(0.99, sum by (api, le) (rate(a_bucket{api=~\"Produce|Fetch\",instance=~\"$instance\"}[$__rate_interval])))"))
                .containsExactly("a_bucket");
        assertThat(PromQlNames.of("sum(x) / on(instance) group_left(dir) y > 0.1 and z_total offset 5m"))
                .containsExactly("x", "y", "z_total");
        assertThat(PromQlNames.of("label_replace(sum by (a) (m), \"request\", \"$1\", \"api\", \"(.*)\")"))
                .containsExactly("m");
        assertThat(PromQlNames.of("label_values(sluice_controller_active, instance)"))
                .containsExactly("sluice_controller_active");
        assertThat(PromQlNames.of("up{job=\"sluice\"} == 0")).containsExactly("up");
    }
}
