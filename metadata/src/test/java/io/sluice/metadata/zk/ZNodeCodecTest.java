package io.sluice.metadata.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.Endpoint;
import io.sluice.metadata.model.LeaderAndIsr;
import io.sluice.metadata.model.PartitionAssignment;
import io.sluice.metadata.model.ProducerIdBlock;
import io.sluice.metadata.model.SecurityProtocol;
import io.sluice.metadata.model.TopicMetadata;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Golden JSON round-trips of every znode, including JSON exactly as Kafka writes it. */
@Timeout(10)
class ZNodeCodecTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Uuid TOPIC_ID = new Uuid(0x2f1e276336774fc7L, 0xb7a17cf9a996da68L);
    private static final String TOPIC_ID_STRING = "Lx4nYzZ3T8e3oXz5qZbaaA";

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void assertJson(byte[] actual, String expected) throws Exception {
        JsonNode a = MAPPER.readTree(actual);
        JsonNode e = MAPPER.readTree(expected);
        assertThat(a).as(new String(actual, StandardCharsets.UTF_8)).isEqualTo(e);
    }

    @Test
    void clusterIdWritesVersionAsString() throws Exception {
        assertJson(ClusterIdZNode.encode("abc"), "{\"version\":\"1\",\"id\":\"abc\"}");
        assertThat(ClusterIdZNode.decode(utf8("{\"version\":\"1\",\"id\":\"Y7yw1nJtR3u2lTz4u6zXzQ\"}")))
                .isEqualTo("Y7yw1nJtR3u2lTz4u6zXzQ");
        assertThat(ClusterIdZNode.decode(ClusterIdZNode.encode("x"))).isEqualTo("x");
        assertThat(ClusterIdZNode.PATH).isEqualTo("/cluster/id");
    }

    @Test
    void clusterIdIsAUrlSafeBase64Uuid() {
        String id = ClusterIdZNode.newClusterId(new Random(7));
        assertThat(id).hasSize(22).doesNotStartWith("-").matches("[A-Za-z0-9_-]+");
        assertThat(Uuid.fromString(id).toString()).isEqualTo(id);
        assertThat(ClusterIdZNode.newClusterId(new Random(7))).isEqualTo(id);
    }

    @Test
    void brokerRegistrationVersion5() throws Exception {
        BrokerInfo broker = new BrokerInfo(
                1,
                List.of(
                        Endpoint.plaintext("h1", 9092),
                        new Endpoint("INTERNAL", SecurityProtocol.PLAINTEXT, "10.0.0.1", 9093)),
                Optional.of("r1"),
                BrokerInfo.UNKNOWN_EPOCH);
        byte[] data = BrokerIdZNode.encode(broker, 1700000000000L);
        assertJson(
                data,
                "{\"version\":5,\"host\":\"h1\",\"port\":9092,"
                        + "\"endpoints\":[\"PLAINTEXT://h1:9092\",\"INTERNAL://10.0.0.1:9093\"],"
                        + "\"listener_security_protocol_map\":{\"PLAINTEXT\":\"PLAINTEXT\",\"INTERNAL\":\"PLAINTEXT\"},"
                        + "\"rack\":\"r1\",\"jmx_port\":-1,\"features\":{},\"timestamp\":\"1700000000000\"}");
        assertThat(BrokerIdZNode.decode(1, data, 42L)).isEqualTo(broker.withBrokerEpoch(42L));
        assertThat(BrokerIdZNode.path(1)).isEqualTo("/brokers/ids/1");
    }

    @Test
    void brokerRegistrationWithoutRackOrPlaintextListener() throws Exception {
        BrokerInfo broker = new BrokerInfo(
                3, List.of(new Endpoint("SECURE", SecurityProtocol.SSL, "h", 9094)), Optional.empty(), -1);
        byte[] data = BrokerIdZNode.encode(broker, 5L);
        assertJson(
                data,
                "{\"version\":5,\"host\":null,\"port\":-1,\"endpoints\":[\"SECURE://h:9094\"],"
                        + "\"listener_security_protocol_map\":{\"SECURE\":\"SSL\"},\"jmx_port\":-1,"
                        + "\"features\":{},\"timestamp\":\"5\"}");
        assertThat(BrokerIdZNode.decode(3, data, 9L)).isEqualTo(broker.withBrokerEpoch(9L));
    }

    @Test
    void decodesBrokerRegistrationAsKafkaWritesIt() {
        String kafka = "{\"features\":{},\"listener_security_protocol_map\":{\"PLAINTEXT\":\"PLAINTEXT\","
                + "\"REPLICATION\":\"SASL_SSL\"},\"endpoints\":[\"PLAINTEXT://kafka-0.example:9092\","
                + "\"REPLICATION://[::1]:9093\"],\"jmx_port\":9999,\"port\":9092,\"host\":\"kafka-0.example\","
                + "\"version\":5,\"timestamp\":\"1700000000123\",\"rack\":\"eu-1a\"}";
        BrokerInfo b = BrokerIdZNode.decode(0, utf8(kafka), 4294967301L);
        assertThat(b.id()).isZero();
        assertThat(b.brokerEpoch()).isEqualTo(4294967301L);
        assertThat(b.rack()).contains("eu-1a");
        assertThat(b.endpoints())
                .containsExactly(
                        Endpoint.plaintext("kafka-0.example", 9092),
                        new Endpoint("REPLICATION", SecurityProtocol.SASL_SSL, "::1", 9093));
        assertThat(b.endpoints().get(1).connectionString()).isEqualTo("REPLICATION://[::1]:9093");
    }

    @Test
    void decodesVersion1BrokerRegistration() {
        BrokerInfo b = BrokerIdZNode.decode(
                2, utf8("{\"jmx_port\":-1,\"timestamp\":\"1\",\"host\":\"old\",\"version\":1,\"port\":9092}"), 1L);
        assertThat(b.endpoints()).containsExactly(Endpoint.plaintext("old", 9092));
        assertThat(b.rack()).isEmpty();
    }

    @Test
    void controller() throws Exception {
        assertJson(
                ControllerZNode.encode(1, 1700000000000L),
                "{\"version\":1,\"brokerid\":1,\"timestamp\":\"1700000000000\"}");
        assertThat(ControllerZNode.decode(utf8("{\"version\":1,\"brokerid\":7,\"timestamp\":\"1700000000000\"}")))
                .isEqualTo(7);
        assertThat(ControllerZNode.decode(
                        utf8("{\"version\":2,\"brokerid\":4,\"timestamp\":\"1\",\"kraftControllerEpoch\":-1}")))
                .isEqualTo(4);
    }

    @Test
    void controllerEpochIsABareDecimal() {
        assertThat(new String(ControllerEpochZNode.encode(42), StandardCharsets.US_ASCII))
                .isEqualTo("42");
        assertThat(ControllerEpochZNode.decode(utf8("17"))).isEqualTo(17);
        assertThatThrownBy(() -> ControllerEpochZNode.decode(utf8("{\"epoch\":1}")))
                .isInstanceOf(ZkDataException.class)
                .hasMessageContaining("/controller_epoch");
    }

    @Test
    void topicVersion3() throws Exception {
        TopicMetadata topic = new TopicMetadata(
                "orders",
                TOPIC_ID,
                Map.of(
                        0,
                        PartitionAssignment.of(1, 2, 3),
                        1,
                        new PartitionAssignment(List.of(2, 3, 4), List.of(4), List.of(1))));
        byte[] data = TopicZNode.encode(topic);
        assertJson(
                data,
                "{\"version\":3,\"partitions\":{\"0\":[1,2,3],\"1\":[2,3,4]},\"adding_replicas\":{\"1\":[4]},"
                        + "\"removing_replicas\":{\"1\":[1]},\"topic_id\":\"" + TOPIC_ID_STRING + "\"}");
        assertThat(TopicZNode.decode("orders", data)).isEqualTo(topic);
        assertThat(TopicZNode.path("orders")).isEqualTo("/brokers/topics/orders");
    }

    @Test
    void decodesTopicAsKafkaWritesIt() {
        String kafka = "{\"removing_replicas\":{},\"partitions\":{\"2\":[3,1],\"1\":[2,3],\"0\":[1,2]},"
                + "\"topic_id\":\"" + TOPIC_ID_STRING + "\",\"adding_replicas\":{},\"version\":3}";
        TopicMetadata t = TopicZNode.decode("t", utf8(kafka));
        assertThat(t.topicId()).isEqualTo(TOPIC_ID);
        assertThat(t.assignment())
                .containsExactly(Map.entry(0, List.of(1, 2)), Map.entry(1, List.of(2, 3)), Map.entry(2, List.of(3, 1)));
        assertThat(t.partitions().values()).noneMatch(PartitionAssignment::isReassigning);
    }

    @Test
    void topicWithoutIdOmitsTheField() throws Exception {
        TopicMetadata legacy = TopicZNode.decode("old", utf8("{\"version\":1,\"partitions\":{\"0\":[1]}}"));
        assertThat(legacy.topicId()).isEqualTo(Uuid.ZERO_UUID);
        assertJson(
                TopicZNode.encode(legacy),
                "{\"version\":3,\"partitions\":{\"0\":[1]},\"adding_replicas\":{},\"removing_replicas\":{}}");
    }

    @Test
    void newTopicIdIsDeterministicForASeedAndNeverReserved() {
        Uuid a = TopicZNode.newTopicId(new Random(1));
        assertThat(a).isEqualTo(TopicZNode.newTopicId(new Random(1)));
        assertThat(a).isNotEqualTo(Uuid.ZERO_UUID).isNotEqualTo(Uuid.METADATA_TOPIC_ID);
        assertThat(a.toString()).doesNotStartWith("-");
    }

    @Test
    void partitionState() throws Exception {
        LeaderAndIsr state = new LeaderAndIsr(1, 0, List.of(1, 2), 3, 0);
        byte[] data = TopicPartitionStateZNode.encode(state);
        assertJson(data, "{\"version\":1,\"leader\":1,\"leader_epoch\":0,\"isr\":[1,2],\"controller_epoch\":3}");
        TopicPartition tp = new TopicPartition("orders", 4);
        assertThat(TopicPartitionStateZNode.decode(tp, data, 7)).isEqualTo(state.withPartitionEpoch(7));
        assertThat(TopicPartitionStateZNode.path(tp)).isEqualTo("/brokers/topics/orders/partitions/4/state");
    }

    @Test
    void decodesPartitionStateAsKafkaWritesIt() {
        String kafka = "{\"controller_epoch\":12,\"leader\":-1,\"version\":1,\"leader_epoch\":5,\"isr\":[3],"
                + "\"leader_recovery_state\":0}";
        LeaderAndIsr s = TopicPartitionStateZNode.decode(new TopicPartition("t", 0), utf8(kafka), 9);
        assertThat(s).isEqualTo(new LeaderAndIsr(LeaderAndIsr.NO_LEADER, 5, List.of(3), 12, 9));
        assertThat(s.hasLeader()).isFalse();
    }

    @Test
    void entityConfig() throws Exception {
        byte[] data = ConfigEntityZNode.encode(Map.of("retention.ms", "1000", "cleanup.policy", "compact,delete"));
        assertJson(
                data, "{\"version\":1,\"config\":{\"retention.ms\":\"1000\",\"cleanup.policy\":\"compact,delete\"}}");
        String path = ConfigEntityZNode.topicPath("t");
        assertThat(path).isEqualTo("/config/topics/t");
        assertThat(ConfigEntityZNode.decode(path, data))
                .containsOnly(Map.entry("retention.ms", "1000"), Map.entry("cleanup.policy", "compact,delete"));
        assertThat(ConfigEntityZNode.decode(path, utf8("{\"version\":1,\"config\":{}}")))
                .isEmpty();
        assertThat(ConfigEntityZNode.brokerDefaultPath()).isEqualTo("/config/brokers/<default>");
        assertThat(ConfigEntityZNode.brokerPath(3)).isEqualTo("/config/brokers/3");
    }

    @Test
    void producerIdBlockWritesStartAndEndAsStrings() throws Exception {
        ProducerIdBlock block = new ProducerIdBlock(1, 0, 1000);
        byte[] data = ProducerIdBlockZNode.encode(block);
        assertJson(data, "{\"version\":1,\"broker\":1,\"block_start\":\"0\",\"block_end\":\"999\"}");
        assertThat(ProducerIdBlockZNode.decode(data)).contains(block);
        assertThat(ProducerIdBlockZNode.decode(new byte[0])).isEmpty();
        assertThat(ProducerIdBlockZNode.decode(
                        utf8("{\"version\":1,\"broker\":2,\"block_start\":\"1000\",\"block_end\":\"1999\"}")))
                .contains(new ProducerIdBlock(2, 1000, 1000));
        assertThat(ProducerIdBlock.next(block, 2, 1000)).isEqualTo(new ProducerIdBlock(2, 1000, 1000));
        assertThat(ProducerIdBlock.next(null, 2, 1000).firstProducerId()).isZero();
    }

    @Test
    void deleteTopicsPath() {
        assertThat(DeleteTopicsZNode.path("t")).isEqualTo("/admin/delete_topics/t");
        assertThat(DeleteTopicsZNode.encode()).isEmpty();
    }

    @Test
    void malformedJsonNamesThePath() {
        assertThatThrownBy(() -> TopicZNode.decode("bad", utf8("{\"version\":3,\"partitions\":")))
                .isInstanceOf(ZkDataException.class)
                .hasMessageContaining("/brokers/topics/bad")
                .extracting(e -> ((ZkDataException) e).path())
                .isEqualTo("/brokers/topics/bad");
        assertThatThrownBy(() -> TopicPartitionStateZNode.decode(new TopicPartition("t", 1), utf8("[1,2]"), 0))
                .isInstanceOf(ZkDataException.class)
                .hasMessageContaining("/brokers/topics/t/partitions/1/state");
        assertThatThrownBy(() -> TopicPartitionStateZNode.decode(
                        new TopicPartition("t", 1), utf8("{\"version\":1,\"leader\":1,\"leader_epoch\":0}"), 0))
                .isInstanceOf(ZkDataException.class)
                .hasMessageContaining("isr");
        assertThatThrownBy(() -> BrokerIdZNode.decode(5, utf8("{\"version\":5,\"endpoints\":[\"nonsense\"]}"), 0))
                .isInstanceOf(ZkDataException.class)
                .hasMessageContaining("/brokers/ids/5")
                .hasMessageContaining("nonsense");
        assertThatThrownBy(() -> ControllerZNode.decode(utf8("{\"version\":9,\"brokerid\":1}")))
                .isInstanceOf(ZkDataException.class)
                .hasMessageContaining("/controller")
                .hasMessageContaining("version 9");
        assertThatThrownBy(() -> ClusterIdZNode.decode(new byte[0]))
                .isInstanceOf(ZkDataException.class)
                .hasMessageContaining("/cluster/id");
        assertThatThrownBy(() -> ConfigEntityZNode.decode(
                        "/config/topics/x", utf8("{\"version\":1,\"config\":{\"a\":{\"b\":1}}}")))
                .isInstanceOf(ZkDataException.class)
                .hasMessageContaining("/config/topics/x");
        assertThatThrownBy(() -> TopicZNode.decode("t", utf8("{\"version\":3,\"partitions\":{\"x\":[1]}}")))
                .isInstanceOf(ZkDataException.class)
                .hasMessageContaining("non-numeric partition");
        assertThatThrownBy(() -> ProducerIdBlockZNode.decode(
                        utf8("{\"version\":1,\"broker\":1,\"block_start\":\"9\",\"block_end\":\"3\"}")))
                .isInstanceOf(ZkDataException.class)
                .hasMessageContaining("/latest_producer_id_block");
    }

    @Test
    void unknownFieldsAreIgnored() {
        assertThat(ControllerZNode.decode(utf8("{\"version\":1,\"brokerid\":3,\"timestamp\":\"1\",\"extra\":[1]}")))
                .isEqualTo(3);
        assertThat(ConfigEntityZNode.decode("/config/topics/t", utf8("{\"version\":1,\"config\":{},\"x\":1}")))
                .isEmpty();
    }
}
