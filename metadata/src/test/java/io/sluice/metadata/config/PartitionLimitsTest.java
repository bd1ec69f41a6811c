package io.sluice.metadata.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PartitionLimitsTest {
    private final PartitionLimits limits = new PartitionLimits(100, 1000);

    @Test
    void theRequestLimitCountsTheRequestsEarlierTopics() {
        assertThat(limits.requestLimitExceeded(0, 100)).isEmpty();
        assertThat(limits.requestLimitExceeded(60, 40)).isEmpty();
        assertThat(limits.requestLimitExceeded(0, 101))
                .hasValueSatisfying(
                        m -> assertThat(m).contains("101").contains("100").contains("max.partitions.per.request"));
        assertThat(limits.requestLimitExceeded(60, 41))
                .hasValueSatisfying(m -> assertThat(m).contains("60").contains("max.partitions.per.request"));
    }

    @Test
    void theClusterLimitCountsWhatExists() {
        assertThat(limits.clusterLimitExceeded(900, 100)).isEmpty();
        assertThat(limits.clusterLimitExceeded(901, 100))
                .hasValueSatisfying(
                        m -> assertThat(m).contains("901").contains("1000").contains("max.partitions.per.cluster"));
    }

    @Test
    void absurdCountsDoNotOverflow() {
        PartitionLimits wide = new PartitionLimits(Integer.MAX_VALUE, Integer.MAX_VALUE);
        assertThat(wide.requestLimitExceeded(Integer.MAX_VALUE, Integer.MAX_VALUE))
                .isPresent();
        assertThat(wide.clusterLimitExceeded(1, Integer.MAX_VALUE)).isPresent();
        assertThat(PartitionLimits.DEFAULTS.requestLimitExceeded(0, Integer.MAX_VALUE))
                .isPresent();
    }

    @Test
    void limitsMustBePositive() {
        assertThatThrownBy(() -> new PartitionLimits(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PartitionLimits(1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theBrokerConfigCarriesTheLimitsAndRefusesDefaultsAboveThem() {
        Map<String, String> base = Map.of("broker.id", "1", "zookeeper.connect", "127.0.0.1:2181");
        assertThat(BrokerConfig.fromMap(base, () -> "localhost").partitionLimits())
                .isEqualTo(PartitionLimits.DEFAULTS)
                .isEqualTo(new PartitionLimits(10_000, 200_000));
        Map<String, String> set = new java.util.HashMap<>(base);
        set.put("max.partitions.per.request", "500");
        set.put("max.partitions.per.cluster", "5000");
        set.put("offsets.topic.num.partitions", "50");
        assertThat(BrokerConfig.fromMap(set, () -> "localhost").partitionLimits())
                .isEqualTo(new PartitionLimits(500, 5000));

        set.put("num.partitions", "501");
        assertThatThrownBy(() -> BrokerConfig.fromMap(set, () -> "localhost"))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.key()).isEqualTo("num.partitions");
                    assertThat(e.getMessage()).contains("max.partitions.per.request=500");
                });
        set.put("num.partitions", "1");
        set.put("offsets.topic.num.partitions", "600");
        assertThatThrownBy(() -> BrokerConfig.fromMap(set, () -> "localhost"))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.key()).isEqualTo("offsets.topic.num.partitions"));
        set.put("max.partitions.per.request", "0");
        assertThatThrownBy(() -> BrokerConfig.fromMap(set, () -> "localhost"))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.key()).isEqualTo("max.partitions.per.request"));
    }
}
