package io.sluice.broker.api.handlers;

import static io.sluice.broker.api.handlers.CreateTopicsTestCluster.call;
import static io.sluice.broker.api.handlers.CreateTopicsTestCluster.overWire;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.metadata.model.LeaderAndIsr;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData.PartitionResult;
import org.apache.kafka.common.message.ElectLeadersResponseData.ReplicaElectionResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ElectLeadersRequest;
import org.apache.kafka.common.requests.ElectLeadersResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(60)
class ElectLeadersHandlerTest extends ThreeBrokerClusterTest {
    private static final short LATEST = ElectLeadersHandler.MAX_VERSION;

    /** A one-partition topic whose replicas are {@code replicas} in that order (the first is preferred). */
    private static TopicPartition createTopic(String name, List<Integer> replicas) {
        return cluster.createTopic(name, replicas);
    }

    private static ElectLeadersResponse elect(ElectLeadersHandler handler, short version, TopicPartition... partitions)
            throws Exception {
        return call(
                handler,
                version,
                overWire(
                        new ElectLeadersRequest.Builder(ElectionType.PREFERRED, List.of(partitions), 30_000), version));
    }

    private static PartitionResult result(ElectLeadersResponse response, TopicPartition tp) {
        return response.data().replicaElectionResults().stream()
                .filter(r -> r.topic().equals(tp.topic()))
                .flatMap(r -> r.partitionResult().stream())
                .filter(p -> p.partitionId() == tp.partition())
                .findFirst()
                .orElseThrow();
    }

    @Test
    void aPreferredElectionMovesLeadershipBackToTheFirstReplica() throws Exception {
        int preferred = cluster.standbyId();
        int active = cluster.active().brokerId();
        int third = 6 - preferred - active;
        TopicPartition tp = createTopic("preferred", List.of(preferred, active, third));
        assertThat(cluster.state(tp).leader()).isEqualTo(preferred);

        // the preferred replica fails: leadership moves and it leaves the ISR; it comes back and catches up
        cluster.stopBroker(preferred);
        await().atMost(Duration.ofSeconds(20)).until(() -> cluster.state(tp).leader() != preferred);
        cluster.startBroker(preferred);
        await().atMost(Duration.ofSeconds(20)).until(() -> expandIsrWith(tp, preferred));
        assertThat(cluster.state(tp).leader()).isNotEqualTo(preferred);

        ElectLeadersResponse response = elect(new ElectLeadersHandler(cluster.active()), LATEST, tp);

        assertThat(response.data().errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(result(response, tp).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(cluster.state(tp).leader()).isEqualTo(preferred);
    }

    /** The leader asks the controller to add {@code broker} back to the ISR; true once accepted. */
    private static boolean expandIsrWith(TopicPartition tp, int broker) {
        LeaderAndIsr state = cluster.state(tp);
        if (state.isr().contains(broker)) {
            return true;
        }
        List<Integer> isr = new ArrayList<>(state.isr());
        isr.add(broker);
        AlterPartitionRequestData.PartitionData partition = new AlterPartitionRequestData.PartitionData()
                .setPartitionIndex(tp.partition())
                .setLeaderEpoch(state.leaderEpoch())
                .setPartitionEpoch(state.partitionEpoch());
        isr.forEach(b -> partition
                .newIsrWithEpochs()
                .add(new AlterPartitionRequestData.BrokerState()
                        .setBrokerId(b)
                        .setBrokerEpoch(cluster.brokerEpoch(b))));
        AlterPartitionRequestData request = new AlterPartitionRequestData()
                .setBrokerId(state.leader())
                .setBrokerEpoch(cluster.brokerEpoch(state.leader()));
        request.topics()
                .add(new AlterPartitionRequestData.TopicData()
                        .setTopicId(cluster.zk()
                                .topic(tp.topic())
                                .orElseThrow()
                                .value()
                                .topicId())
                        .setPartitions(new ArrayList<>(List.of(partition))));
        cluster.active().alterPartition(request).toCompletableFuture().join();
        return cluster.state(tp).isr().contains(broker);
    }

    @Test
    void electionNotNeededAndUnknownPartitionsPassThrough() throws Exception {
        TopicPartition tp = createTopic("settled", List.of(1, 2, 3));
        TopicPartition missing = new TopicPartition("settled", 7);
        LeaderAndIsr before = cluster.state(tp);

        ElectLeadersResponse response = elect(new ElectLeadersHandler(cluster.active()), LATEST, tp, missing);

        assertThat(result(response, tp).errorCode()).isEqualTo(Errors.ELECTION_NOT_NEEDED.code());
        assertThat(result(response, missing).errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(cluster.state(tp)).isEqualTo(before);
    }

    @ParameterizedTest
    @ValueSource(shorts = {0, 2})
    void aBrokerThatIsNotTheControllerAnswersNotControllerOnEveryPartition(short version) throws Exception {
        TopicPartition tp = createTopic("elsewhere-v" + version, List.of(3, 2, 1));

        ElectLeadersResponse response = elect(new ElectLeadersHandler(cluster.standby()), version, tp);

        List<ReplicaElectionResult> results = response.data().replicaElectionResults();
        assertThat(results)
                .singleElement()
                .satisfies(r -> assertThat(r.partitionResult())
                        .singleElement()
                        .satisfies(p -> assertThat(p.errorCode()).isEqualTo(Errors.NOT_CONTROLLER.code())));
        if (version >= 1) {
            assertThat(response.data().errorCode()).isEqualTo(Errors.NOT_CONTROLLER.code());
        }
    }

    @ParameterizedTest
    @ValueSource(shorts = {0, 1, 2})
    void everyDeclaredVersionRoundTrips(short version) throws Exception {
        TopicPartition tp = createTopic("el-v" + version, List.of(2, 3, 1));

        ElectLeadersResponse response = elect(new ElectLeadersHandler(cluster.active()), version, tp);

        assertThat(response.data().replicaElectionResults())
                .singleElement()
                .satisfies(r -> assertThat(r.topic()).isEqualTo(tp.topic()));
        assertThat(result(response, tp).errorCode()).isEqualTo(Errors.ELECTION_NOT_NEEDED.code());
        assertThat(cluster.state(tp).leader()).isEqualTo(2);
    }
}
