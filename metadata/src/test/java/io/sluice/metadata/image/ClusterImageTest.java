package io.sluice.metadata.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.Endpoint;
import io.sluice.metadata.model.LeaderAndIsr;
import io.sluice.metadata.model.TopicMetadata;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ClusterImageTest {
    private static final Uuid ID = new Uuid(1L, 2L);
    private static final TopicPartition T0 = new TopicPartition("t", 0);
    private static final TopicPartition T1 = new TopicPartition("t", 1);

    private static BrokerInfo broker(int id) {
        return new BrokerInfo(id, List.of(Endpoint.plaintext("127.0.0.1", 9090 + id)), Optional.empty(), 100 + id);
    }

    private static ClusterImage image() {
        return ClusterImage.builder()
                .clusterId("c")
                .controller(1, 7)
                .broker(broker(1))
                .broker(broker(2))
                .topic(TopicMetadata.of("t", ID, Map.of(0, List.of(1, 2), 1, List.of(2, 1))))
                .partition(T0, LeaderAndIsr.initial(1, List.of(1, 2), 7))
                .partition(T1, LeaderAndIsr.initial(2, List.of(2, 1), 7))
                .build();
    }

    @Test
    void lookups() {
        ClusterImage img = image();
        assertThat(img.clusterId()).isEqualTo("c");
        assertThat(img.controllerId()).isEqualTo(1);
        assertThat(img.controllerEpoch()).isEqualTo(7);
        assertThat(img.isLive(2)).isTrue();
        assertThat(img.isLive(3)).isFalse();
        assertThat(img.broker(1)).contains(broker(1));
        assertThat(img.topicById(ID).map(TopicMetadata::name)).contains("t");
        assertThat(img.topicById(Uuid.ZERO_UUID)).isEmpty();
        assertThat(img.leaderOf(T1)).isEqualTo(2);
        assertThat(img.leaderOf(new TopicPartition("x", 0))).isEqualTo(LeaderAndIsr.NO_LEADER);
        assertThat(img.replicasOf(T1)).containsExactly(2, 1);
        assertThat(img.partitionsOf("t")).containsExactly(T0, T1);
        assertThat(img.partitionsOf("x")).isEmpty();
        assertThat(ClusterImage.EMPTY.controllerId()).isEqualTo(ClusterImage.NO_CONTROLLER);
    }

    @Test
    void copiesLeaveTheOriginalUntouched() {
        ClusterImage img = image();
        ClusterImage moved = img.withPartition(
                        T0, img.partition(T0).orElseThrow().newLeader(2, List.of(2), 8))
                .withoutBroker(1)
                .withController(2, 8);
        assertThat(moved.leaderOf(T0)).isEqualTo(2);
        assertThat(moved.isLive(1)).isFalse();
        assertThat(moved.controllerEpoch()).isEqualTo(8);
        assertThat(img.leaderOf(T0)).isEqualTo(1);
        assertThat(img.isLive(1)).isTrue();
        assertThat(img.controllerEpoch()).isEqualTo(7);

        ClusterImage noTopic = img.withoutTopic("t");
        assertThat(noTopic.topics()).isEmpty();
        assertThat(noTopic.partitions()).isEmpty();
        assertThat(noTopic.topicById(ID)).isEmpty();
        assertThat(img.partitions()).hasSize(2);

        ClusterImage withBroker = img.withBroker(broker(3)).withClusterId("d");
        assertThat(withBroker.brokers()).containsOnlyKeys(1, 2, 3);
        assertThat(withBroker.clusterId()).isEqualTo("d");
        assertThat(withBroker.toBuilder().removePartition(T1).build().partition(T1))
                .isEmpty();
    }
}
