package io.sluice.broker.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.testing.ControlRequests;
import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.Endpoint;
import io.sluice.metadata.model.SecurityProtocol;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class MetadataCacheTest {
    private static final Uuid ORDERS = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAQ");
    private static final TopicPartition ORDERS_0 = new TopicPartition("orders", 0);
    private static final TopicPartition ORDERS_1 = new TopicPartition("orders", 1);

    private final MetadataCache cache = new MetadataCache(1, "cluster-x");

    private void twoBrokersAndOrders() {
        cache.update(ControlRequests.updateMetadata(2, 5)
                .broker(1, 9092, Optional.of("r1"), "INTERNAL")
                .broker(2, 9093, Optional.empty())
                .partition("orders", ORDERS, 0, 1, 3, List.of(1, 2), List.of(1, 2), List.of())
                .partition("orders", ORDERS, 1, -1, 4, List.of(2), List.of(2, 3), List.of(3))
                .build());
    }

    @Test
    void startsEmptyWithTheClusterId() {
        assertThat(cache.clusterId()).isEqualTo("cluster-x");
        assertThat(cache.controllerId()).isEmpty();
        assertThat(cache.aliveBrokers()).isEmpty();
        assertThat(cache.contains("orders")).isFalse();
    }

    @Test
    void holdsControllerBrokersAndPartitions() {
        twoBrokersAndOrders();

        assertThat(cache.controllerId()).isEqualTo(OptionalInt.of(2));
        assertThat(cache.snapshot().controllerEpoch()).isEqualTo(5);
        assertThat(cache.aliveBrokers()).extracting(BrokerInfo::id).containsExactly(1, 2);
        assertThat(cache.broker(1).orElseThrow().rack()).contains("r1");
        assertThat(cache.broker(1).orElseThrow().endpoint("INTERNAL"))
                .contains(new Endpoint("INTERNAL", SecurityProtocol.PLAINTEXT, "10.0.0.1", 10092));
        assertThat(cache.numPartitions("orders")).isEqualTo(OptionalInt.of(2));
        PartitionMetadata p0 = cache.partitionState(ORDERS_0).orElseThrow();
        assertThat(p0.leader()).isEqualTo(1);
        assertThat(p0.leaderEpoch()).isEqualTo(3);
        assertThat(p0.isr()).containsExactly(1, 2);
        assertThat(cache.partitionState(ORDERS_1).orElseThrow().offlineReplicas())
                .containsExactly(3);
        assertThat(cache.snapshot().topicId("orders")).isEqualTo(ORDERS);
        assertThat(cache.snapshot().topicName(ORDERS)).contains("orders");
        assertThat(cache.leaderEndpoint(ORDERS_0, "PLAINTEXT")).contains(Endpoint.plaintext("127.0.0.1", 9092));
        assertThat(cache.leaderEndpoint(ORDERS_1, "PLAINTEXT")).isEmpty();
    }

    @Test
    void mergesPartitionUpdatesAndReplacesBrokers() {
        twoBrokersAndOrders();

        cache.update(ControlRequests.updateMetadata(2, 5)
                .broker(2, 9093, Optional.empty())
                .partition("orders", ORDERS, 1, 2, 5, List.of(2), List.of(2, 3), List.of(3))
                .build());

        assertThat(cache.aliveBrokers()).extracting(BrokerInfo::id).containsExactly(2);
        assertThat(cache.partitionState(ORDERS_0).orElseThrow().leader()).isEqualTo(1);
        assertThat(cache.partitionState(ORDERS_1).orElseThrow().leader()).isEqualTo(2);
        assertThat(cache.partitionState(ORDERS_1).orElseThrow().leaderEpoch()).isEqualTo(5);
    }

    @Test
    void leaderDuringDeleteRemovesPartitionsAndThenTheTopic() {
        twoBrokersAndOrders();

        Set<TopicPartition> deleted = cache.update(ControlRequests.updateMetadata(2, 5)
                .broker(1, 9092, Optional.empty())
                .deleted("orders", ORDERS, 0)
                .build());
        assertThat(deleted).containsExactly(ORDERS_0);
        assertThat(cache.partitionState(ORDERS_0)).isEmpty();
        assertThat(cache.contains("orders")).isTrue();

        cache.update(ControlRequests.updateMetadata(2, 5)
                .broker(1, 9092, Optional.empty())
                .deleted("orders", ORDERS, 1)
                .build());
        assertThat(cache.contains("orders")).isFalse();
        assertThat(cache.snapshot().topicName(ORDERS)).isEmpty();
    }

    @Test
    void topicMetadataReportsLeaderlessPartitionsAndMissingListeners() {
        twoBrokersAndOrders();

        List<MetadataResponseTopic> plaintext = cache.topicMetadata(List.of("orders", "unknown"), "PLAINTEXT");
        assertThat(plaintext).hasSize(1);
        MetadataResponseTopic orders = plaintext.get(0);
        assertThat(orders.topicId()).isEqualTo(ORDERS);
        assertThat(orders.partitions().get(0).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(orders.partitions().get(0).leaderEpoch()).isEqualTo(3);
        assertThat(orders.partitions().get(1).errorCode()).isEqualTo(Errors.LEADER_NOT_AVAILABLE.code());
        assertThat(orders.partitions().get(1).leaderId()).isEqualTo(-1);

        cache.update(ControlRequests.updateMetadata(2, 5)
                .broker(1, 9092, Optional.empty())
                .broker(2, 9093, Optional.empty(), "INTERNAL")
                .partition("orders", ORDERS, 0, 1, 3, List.of(1, 2), List.of(1, 2), List.of())
                .build());
        MetadataResponseTopic internal =
                cache.topicMetadata(List.of("orders"), "INTERNAL").get(0);
        assertThat(internal.partitions().get(0).errorCode()).isEqualTo(Errors.LISTENER_NOT_FOUND.code());
    }

    @Test
    void listenersSeeEveryUpdateInOrder() {
        List<Integer> seen = new ArrayList<>();
        cache.addListener((previous, current) -> seen.add(current.aliveBrokers().size()));
        twoBrokersAndOrders();
        cache.update(ControlRequests.updateMetadata(2, 6)
                .broker(1, 9092, Optional.empty())
                .build());
        assertThat(seen).containsExactly(2, 1);
    }
}
