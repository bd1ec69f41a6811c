package io.sluice.broker.api.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.metadata.MetadataCache;
import io.sluice.broker.testing.ControlRequests;
import io.sluice.broker.testing.WireRoundTrip;
import java.util.Optional;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeClusterResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class DescribeClusterHandlerTest {
    private final MetadataCache cache = new MetadataCache(1, "cluster-x");
    private final DescribeClusterHandler handler = new DescribeClusterHandler(cache);

    private DescribeClusterResponse send(short version, DescribeClusterRequestData request) throws Exception {
        return WireRoundTrip.parse(
                ApiKeys.DESCRIBE_CLUSTER,
                version,
                handler.handle(ControlRequests.context(ApiKeys.DESCRIBE_CLUSTER, version), request));
    }

    @Test
    void answersClusterIdControllerAndBrokers() throws Exception {
        cache.update(ControlRequests.updateMetadata(3, 1)
                .broker(1, 9092, Optional.of("r1"))
                .broker(3, 9094, Optional.empty())
                .build());

        DescribeClusterResponse response =
                send((short) 1, new DescribeClusterRequestData().setIncludeClusterAuthorizedOperations(true));

        assertThat(response.data().errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(response.data().clusterId()).isEqualTo("cluster-x");
        assertThat(response.data().controllerId()).isEqualTo(3);
        assertThat(response.data().brokers())
                .extracting(DescribeClusterBroker::brokerId, DescribeClusterBroker::port, DescribeClusterBroker::rack)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(1, 9092, "r1"),
                        org.assertj.core.groups.Tuple.tuple(3, 9094, null));
        assertThat(response.data().clusterAuthorizedOperations()).isPositive();
    }

    @Test
    void theControllerEndpointTypeIsNotServed() throws Exception {
        DescribeClusterResponse response = send((short) 1, new DescribeClusterRequestData().setEndpointType((byte) 2));

        assertThat(response.data().errorCode()).isEqualTo(Errors.UNSUPPORTED_ENDPOINT_TYPE.code());
    }

    @Test
    void versionZeroWithoutAController() throws Exception {
        DescribeClusterResponse response = send((short) 0, new DescribeClusterRequestData());

        assertThat(response.data().controllerId()).isEqualTo(-1);
        assertThat(response.data().clusterAuthorizedOperations()).isEqualTo(Integer.MIN_VALUE);
    }
}
