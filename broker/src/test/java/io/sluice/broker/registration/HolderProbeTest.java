package io.sluice.broker.registration;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.Endpoint;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class HolderProbeTest {

    private static BrokerInfo holder(Endpoint... endpoints) {
        return new BrokerInfo(1, List.of(endpoints), Optional.empty(), 7);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void refusedEverywhereIsDeadAndAListeningEndpointIsNot() throws IOException {
        assertThat(HolderProbe.TCP.isCertainlyDead(holder(Endpoint.plaintext("127.0.0.1", freePort()))))
                .isTrue();
        try (ServerSocket live = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            assertThat(HolderProbe.TCP.isCertainlyDead(holder(
                            Endpoint.plaintext("127.0.0.1", freePort()),
                            Endpoint.plaintext("127.0.0.1", live.getLocalPort()))))
                    .isFalse();
        }
        assertThat(HolderProbe.TCP.isCertainlyDead(holder())).isFalse();
    }

    @Test
    void ourOwnEndpointsAreNotProbed() throws IOException {
        try (ServerSocket ours = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Endpoint own = Endpoint.plaintext("127.0.0.1", ours.getLocalPort());
            HolderProbe probe = HolderProbe.excluding(List.of(own), HolderProbe.TCP);
            // all of the holder's endpoints are ours (bound by us right now): our previous incarnation
            assertThat(probe.isCertainlyDead(holder(own))).isTrue();
            // another endpoint that answers: a live rival
            try (ServerSocket rival = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                assertThat(probe.isCertainlyDead(holder(own, Endpoint.plaintext("127.0.0.1", rival.getLocalPort()))))
                        .isFalse();
            }
            // another endpoint that refuses: dead
            assertThat(probe.isCertainlyDead(holder(own, Endpoint.plaintext("127.0.0.1", freePort()))))
                    .isTrue();
        }
    }
}
