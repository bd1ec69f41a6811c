package io.sluice.chaos.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProxyNetworkTest {

    @Test
    void cutsTheChosenLinksNeverABrokersLinkToItselfAndHealsAll() throws Exception {
        List<Integer> brokers = List.of(1, 2, 3);
        Map<Integer, Map<Integer, Integer>> peers =
                Map.of(1, Map.of(1, 1, 2, 2, 3, 3), 2, Map.of(1, 4, 2, 5, 3, 6), 3, Map.of(1, 7, 2, 8, 3, 9));
        try (ProxyNetwork net = ProxyNetwork.start(brokers, Map.of(1, 11, 2, 12, 3, 13), peers, 10)) {
            assertThat(net.links()).hasSize(3 + 3 + 9);

            List<Link> cut = net.apply(LinkRule.CUT, l -> l.kind() == Link.Kind.PEER && l.touches(1));
            assertThat(cut)
                    .containsExactlyInAnyOrder(
                            new Link(Link.Kind.PEER, 2, 1),
                            new Link(Link.Kind.PEER, 3, 1),
                            new Link(Link.Kind.PEER, 1, 2),
                            new Link(Link.Kind.PEER, 1, 3));
            assertThat(net.faulted()).containsExactlyInAnyOrderElementsOf(cut);

            net.healAll();
            assertThat(net.faulted()).isEmpty();
        }
    }

    @Test
    void everyLinkHasItsOwnPort() throws Exception {
        List<Integer> brokers = List.of(1, 2);
        Map<Integer, Map<Integer, Integer>> peers = Map.of(1, Map.of(1, 1, 2, 2), 2, Map.of(1, 3, 2, 4));
        try (ProxyNetwork net = ProxyNetwork.start(brokers, Map.of(1, 11, 2, 12), peers, 10)) {
            assertThat(net.links().stream().map(net::port).distinct().count())
                    .isEqualTo(net.links().size());
            assertThat(new Link(Link.Kind.PEER, 2, 1).toString()).isEqualTo("b2->b1");
        }
    }
}
