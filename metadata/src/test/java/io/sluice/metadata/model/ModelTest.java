package io.sluice.metadata.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ModelTest {

    @Test
    void newLeaderBumpsTheLeaderEpochOnly() {
        LeaderAndIsr s = LeaderAndIsr.initial(1, List.of(1, 2, 3), 4).withPartitionEpoch(6);
        LeaderAndIsr next = s.newLeader(2, List.of(2, 3), 5);
        assertThat(next).isEqualTo(new LeaderAndIsr(2, 1, List.of(2, 3), 5, 6));
        LeaderAndIsr shrunk = next.withIsr(List.of(2), 5);
        assertThat(shrunk.leaderEpoch()).isEqualTo(1);
        assertThat(shrunk.isr()).containsExactly(2);
        assertThat(next.newLeader(LeaderAndIsr.NO_LEADER, List.of(2), 5).hasLeader())
                .isFalse();
    }

    @Test
    void recordsCopyTheirLists() {
        List<Integer> isr = new ArrayList<>(List.of(1, 2));
        LeaderAndIsr s = LeaderAndIsr.initial(1, isr, 0);
        isr.add(3);
        assertThat(s.isr()).containsExactly(1, 2);
        assertThatThrownBy(() -> s.isr().add(4)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void endpoints() {
        Endpoint e = new Endpoint("internal", SecurityProtocol.SASL_SSL, "fe80::1", 9093);
        assertThat(e.listenerName()).isEqualTo("INTERNAL");
        assertThat(e.connectionString()).isEqualTo("INTERNAL://[fe80::1]:9093");
        assertThat(Endpoint.plaintext(null, 0).host()).isEmpty();
        assertThatThrownBy(() -> Endpoint.plaintext("h", 70000)).isInstanceOf(IllegalArgumentException.class);
        BrokerInfo b = new BrokerInfo(1, List.of(e), Optional.empty(), 5);
        assertThat(b.endpoint("Internal")).contains(e);
        assertThat(b.endpoint("PLAINTEXT")).isEmpty();
    }

    @Test
    void topicMetadata() {
        TopicMetadata t = TopicMetadata.of("t", Uuid.ZERO_UUID, Map.of(1, List.of(2, 3), 0, List.of(3, 2)));
        assertThat(t.partitionCount()).isEqualTo(2);
        assertThat(t.replicationFactor()).isEqualTo(2);
        assertThat(t.replicas(1)).containsExactly(2, 3);
        assertThat(t.replicas(5)).isEmpty();
        assertThat(t.partitions().keySet()).containsExactly(0, 1);
        assertThat(t.partitions().get(0).preferredLeader()).isEqualTo(3);
    }

    @Test
    void producerIdBlocks() {
        ProducerIdBlock b = ProducerIdBlock.next(null, 1, ProducerIdBlock.DEFAULT_BLOCK_SIZE);
        assertThat(b.firstProducerId()).isZero();
        assertThat(b.lastProducerId()).isEqualTo(999);
        assertThat(ProducerIdBlock.next(b, 2, 10)).isEqualTo(new ProducerIdBlock(2, 1000, 10));
        assertThatThrownBy(() -> ProducerIdBlock.next(new ProducerIdBlock(1, Long.MAX_VALUE - 5, 5), 1, 10))
                .isInstanceOf(IllegalStateException.class);
    }
}
