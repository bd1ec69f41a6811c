package io.sluice.broker.api.handlers;

import static io.sluice.broker.api.handlers.CreateTopicsTestCluster.call;
import static io.sluice.broker.api.handlers.CreateTopicsTestCluster.overWire;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.util.stream.IntStream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ControlledShutdownRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ControlledShutdownRequest;
import org.apache.kafka.common.requests.ControlledShutdownResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each test gets its own cluster: a controlled shutdown marks a broker as shutting down for good. */
@Timeout(60)
class ControlledShutdownHandlerTest {
    private static final short LATEST = ControlledShutdownHandler.MAX_VERSION;

    @TempDir
    File dir;

    private CreateTopicsTestCluster cluster;

    @BeforeEach
    void startCluster() throws Exception {
        cluster = new CreateTopicsTestCluster(dir, 3);
    }

    @AfterEach
    void stopCluster() throws Exception {
        cluster.close();
    }

    private void createTopic(String name, int partitions) {
        cluster.createTopic(name, partitions, 3);
    }

    private ControlledShutdownResponse shutdown(
            ControlledShutdownHandler handler, short version, int brokerId, long brokerEpoch) throws Exception {
        ControlledShutdownRequestData data =
                new ControlledShutdownRequestData().setBrokerId(brokerId).setBrokerEpoch(brokerEpoch);
        return call(handler, version, overWire(new ControlledShutdownRequest.Builder(data, version), version));
    }

    private boolean leadsAny(String topic, int partitions, int broker) {
        return IntStream.range(0, partitions)
                .anyMatch(p -> cluster.state(new TopicPartition(topic, p)).leader() == broker);
    }

    @ParameterizedTest
    @ValueSource(shorts = {1, 2, 3})
    void theStoppingBrokersLeadershipsMoveAway(short version) throws Exception {
        createTopic("moving", 6);
        int stopping = cluster.standbyId();
        assertThat(leadsAny("moving", 6, stopping)).isTrue();
        long epoch = version >= 2 ? cluster.brokerEpoch(stopping) : -1L;

        ControlledShutdownResponse response =
                shutdown(new ControlledShutdownHandler(cluster.active()), version, stopping, epoch);

        assertThat(response.data().errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(response.data().remainingPartitions()).isEmpty();
        assertThat(leadsAny("moving", 6, stopping)).isFalse();
    }

    @Test
    void aStaleBrokerEpochIsRefusedAndNothingMoves() throws Exception {
        createTopic("staying", 6);
        int stopping = cluster.standbyId();

        ControlledShutdownResponse response = shutdown(
                new ControlledShutdownHandler(cluster.active()), LATEST, stopping, cluster.brokerEpoch(stopping) - 1);

        assertThat(response.data().errorCode()).isEqualTo(Errors.STALE_BROKER_EPOCH.code());
        assertThat(leadsAny("staying", 6, stopping)).isTrue();
    }

    @Test
    void aBrokerThatIsNotTheControllerAnswersNotController() throws Exception {
        createTopic("elsewhere", 6);
        int stopping = cluster.standbyId();

        ControlledShutdownResponse response = shutdown(
                new ControlledShutdownHandler(cluster.standby()), LATEST, stopping, cluster.brokerEpoch(stopping));

        assertThat(response.data().errorCode()).isEqualTo(Errors.NOT_CONTROLLER.code());
        assertThat(leadsAny("elsewhere", 6, stopping)).isTrue();
    }
}
