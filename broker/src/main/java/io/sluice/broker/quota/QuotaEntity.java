package io.sluice.broker.quota;

import io.sluice.metadata.zk.ConfigEntityZNode;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * A client quota entity: a user, a client id, or both, each either a name or the {@code <default>} entity; as Kafka
 * stores it in ZooKeeper mode:
 *
 * <pre>
 *   /config/users/&lt;user&gt;                      user                 (user = &lt;default&gt; for the default user)
 *   /config/users/&lt;user&gt;/clients/&lt;client-id&gt;  user and client id
 *   /config/clients/&lt;client-id&gt;               client id
 * </pre>
 *
 * Names are sanitized as Kafka's {@code Sanitizer} does (URL encoding, {@code %20} for space, {@code %2A} for '*');
 * {@code <default>} is stored as is.
 *
 * @param user the user name, {@link #DEFAULT} for the default user, {@code null} when the entity names no user
 * @param clientId the client id, {@link #DEFAULT} for the default client, {@code null} when it names no client id
 */
public record QuotaEntity(String user, String clientId) {
    /** The name of a default entity, in ZooKeeper and here. */
    public static final String DEFAULT = ConfigEntityZNode.DEFAULT_ENTITY;

    static final String USERS = "users";
    static final String CLIENTS = "clients";
    /** Entity types of the client quota APIs. */
    public static final String USER_TYPE = "user";

    public static final String CLIENT_ID_TYPE = "client-id";

    public QuotaEntity {
        if (user == null && clientId == null) {
            throw new IllegalArgumentException("a quota entity names a user, a client id or both");
        }
    }

    public static QuotaEntity ofUser(String user) {
        return new QuotaEntity(Objects.requireNonNull(user, "user"), null);
    }

    public static QuotaEntity ofClient(String clientId) {
        return new QuotaEntity(null, Objects.requireNonNull(clientId, "clientId"));
    }

    public static QuotaEntity of(String user, String clientId) {
        return new QuotaEntity(Objects.requireNonNull(user, "user"), Objects.requireNonNull(clientId, "clientId"));
    }

    public Optional<String> userPart() {
        return Optional.ofNullable(user);
    }

    public Optional<String> clientPart() {
        return Optional.ofNullable(clientId);
    }

    /** The znode of this entity, e.g. {@code /config/users/alice/clients/<default>}. */
    public String zkPath() {
        return "/config/" + entityPath();
    }

    /** The entity path of Kafka's change notifications, e.g. {@code users/alice/clients/app}. */
    public String entityPath() {
        if (user == null) {
            return CLIENTS + "/" + sanitize(clientId);
        }
        String userPath = USERS + "/" + sanitize(user);
        return clientId == null ? userPath : userPath + "/" + CLIENTS + "/" + sanitize(clientId);
    }

    /** Kafka's sanitized form of an entity name; {@code <default>} stays as it is. */
    static String sanitize(String name) {
        if (DEFAULT.equals(name)) {
            return name;
        }
        return URLEncoder.encode(name, StandardCharsets.UTF_8)
                .replace("+", "%20")
                .replace("*", "%2A")
                .replace("%7E", "~");
    }

    /** The inverse of {@link #sanitize}. */
    static String desanitize(String sanitized) {
        if (DEFAULT.equals(sanitized)) {
            return sanitized;
        }
        return URLDecoder.decode(sanitized.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return entityPath();
    }
}
