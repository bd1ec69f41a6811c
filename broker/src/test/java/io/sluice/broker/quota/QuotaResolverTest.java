package io.sluice.broker.quota;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Kafka's precedence of quota entities, each quota type resolved on its own, and which requests share a rate. */
class QuotaResolverTest {
    private static final String D = QuotaEntity.DEFAULT;
    private static final String P = QuotaType.PRODUCE.key();

    private static Map<String, Double> produce(double v) {
        return Map.of(P, v);
    }

    @Test
    void everyLevelOfThePrecedenceWinsOverTheOnesBelowIt() {
        List<QuotaEntity> order = QuotaResolver.precedence("alice", "app");
        assertThat(order)
                .containsExactly(
                        QuotaEntity.of("alice", "app"),
                        QuotaEntity.of("alice", D),
                        QuotaEntity.ofUser("alice"),
                        QuotaEntity.of(D, "app"),
                        QuotaEntity.of(D, D),
                        QuotaEntity.ofUser(D),
                        QuotaEntity.ofClient("app"),
                        QuotaEntity.ofClient(D));
        // with all eight set, removing the winner each time hands the match to the next one down
        Map<QuotaEntity, Map<String, Double>> quotas = new HashMap<>();
        for (int i = 0; i < order.size(); i++) {
            quotas.put(order.get(i), produce(1000 + i));
        }
        for (QuotaEntity expected : order) {
            Optional<QuotaResolver.Match> match = QuotaResolver.resolve(quotas, "alice", "app", QuotaType.PRODUCE);
            assertThat(match).map(QuotaResolver.Match::entity).contains(expected);
            assertThat(match.get().bound()).isEqualTo(1000 + order.indexOf(expected));
            quotas.remove(expected);
        }
        assertThat(QuotaResolver.resolve(quotas, "alice", "app", QuotaType.PRODUCE))
                .isEmpty();
    }

    @Test
    void eachQuotaTypeResolvesOnItsOwn() {
        Map<QuotaEntity, Map<String, Double>> quotas = Map.of(
                QuotaEntity.ofUser("alice"), Map.of(QuotaType.FETCH.key(), 5.0),
                QuotaEntity.ofClient("app"), produce(7.0));
        assertThat(QuotaResolver.resolve(quotas, "alice", "app", QuotaType.PRODUCE)
                        .map(QuotaResolver.Match::entity))
                .contains(QuotaEntity.ofClient("app"));
        assertThat(QuotaResolver.resolve(quotas, "alice", "app", QuotaType.FETCH)
                        .map(QuotaResolver.Match::entity))
                .contains(QuotaEntity.ofUser("alice"));
        assertThat(QuotaResolver.resolve(quotas, "bob", "other", QuotaType.FETCH))
                .isEmpty();
    }

    @Test
    void aDefaultEntityGivesEveryClientItsOwnRateAndAUserEntityOneSharedRate() {
        Map<QuotaEntity, Map<String, Double>> quotas =
                Map.of(QuotaEntity.ofClient(D), produce(10.0), QuotaEntity.ofUser("alice"), produce(20.0));
        QuotaResolver.Match a =
                QuotaResolver.resolve(quotas, "bob", "a", QuotaType.PRODUCE).orElseThrow();
        QuotaResolver.Match b =
                QuotaResolver.resolve(quotas, "bob", "b", QuotaType.PRODUCE).orElseThrow();
        assertThat(a.rateKey()).isNotEqualTo(b.rateKey());
        assertThat(a.user()).isEmpty();
        assertThat(a.clientId()).isEqualTo("a");

        QuotaResolver.Match x =
                QuotaResolver.resolve(quotas, "alice", "x", QuotaType.PRODUCE).orElseThrow();
        QuotaResolver.Match y =
                QuotaResolver.resolve(quotas, "alice", "y", QuotaType.PRODUCE).orElseThrow();
        assertThat(x.rateKey()).isEqualTo(y.rateKey());
        assertThat(x.user()).isEqualTo("alice");
        assertThat(x.clientId()).isEmpty();
    }

    @Test
    void entityPathsAreKafkasSanitizedZnodes() {
        assertThat(QuotaEntity.of("alice smith", D).zkPath())
                .isEqualTo("/config/users/alice%20smith/clients/<default>");
        assertThat(QuotaEntity.ofClient("a*b").entityPath()).isEqualTo("clients/a%2Ab");
        assertThat(QuotaEntity.desanitize("alice%20smith")).isEqualTo("alice smith");
        assertThat(QuotaEntity.desanitize(QuotaEntity.sanitize("x+y~z"))).isEqualTo("x+y~z");
    }
}
