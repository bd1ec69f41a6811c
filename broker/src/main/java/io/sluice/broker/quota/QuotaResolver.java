package io.sluice.broker.quota;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which quota applies to a request of {@code (user, client id)}: the first entity of Kafka's precedence that has a
 * value for the quota type, each type resolved on its own:
 *
 * <ol>
 *   <li>{@code /config/users/<user>/clients/<client-id>}
 *   <li>{@code /config/users/<user>/clients/<default>}
 *   <li>{@code /config/users/<user>}
 *   <li>{@code /config/users/<default>/clients/<client-id>}
 *   <li>{@code /config/users/<default>/clients/<default>}
 *   <li>{@code /config/users/<default>}
 *   <li>{@code /config/clients/<client-id>}
 *   <li>{@code /config/clients/<default>}
 * </ol>
 *
 * <p>The match also names the rate that the request counts against, as Kafka's metric tags do: a dimension the
 * matched entity names (by name or as {@code <default>}) is the request's own user or client id, a dimension it does
 * not name is shared ({@code ""}). A quota on {@code /config/clients/<default>} therefore gives every client id its
 * own rate, and one on {@code /config/users/alice} one rate for all of alice's clients.
 *
 * <p>Pure function over an immutable map; thread-safe.
 */
public final class QuotaResolver {
    private QuotaResolver() {}

    /**
     * The quota that applies and the rate it is measured on.
     *
     * @param entity the matched entity, for metrics and logs
     * @param user the rate's user dimension ({@code ""} when shared)
     * @param clientId the rate's client-id dimension ({@code ""} when shared)
     * @param bound the quota value
     */
    public record Match(QuotaEntity entity, String user, String clientId, double bound) {
        /** The key of the rate this request counts against. */
        public String rateKey() {
            return user + "\u0000" + clientId;
        }
    }

    /** The entities to try for {@code (user, clientId)}, most specific first. */
    static List<QuotaEntity> precedence(String user, String clientId) {
        String d = QuotaEntity.DEFAULT;
        return List.of(
                QuotaEntity.of(user, clientId),
                QuotaEntity.of(user, d),
                QuotaEntity.ofUser(user),
                QuotaEntity.of(d, clientId),
                QuotaEntity.of(d, d),
                QuotaEntity.ofUser(d),
                QuotaEntity.ofClient(clientId),
                QuotaEntity.ofClient(d));
    }

    public static Optional<Match> resolve(
            Map<QuotaEntity, Map<String, Double>> quotas, String user, String clientId, QuotaType type) {
        if (quotas.isEmpty()) {
            return Optional.empty();
        }
        for (QuotaEntity candidate : precedence(user, clientId)) {
            Map<String, Double> values = quotas.get(candidate);
            Double bound = values == null ? null : values.get(type.key());
            if (bound != null) {
                return Optional.of(new Match(
                        candidate,
                        candidate.user() == null ? "" : user,
                        candidate.clientId() == null ? "" : clientId,
                        bound));
            }
        }
        return Optional.empty();
    }
}
