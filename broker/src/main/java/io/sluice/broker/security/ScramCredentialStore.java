package io.sluice.broker.security;

import io.sluice.broker.config.ConfigEntityStore;
import io.sluice.metadata.zk.ConfigEntityZNode;
import io.sluice.metadata.zk.ZkPaths;
import io.sluice.metadata.zk.ZkStore;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SCRAM credentials where Kafka keeps them in ZooKeeper mode: {@code /config/users/<sanitized user>} with
 * {@code {"version":1,"config":{"SCRAM-SHA-256":"salt=…,stored_key=…,server_key=…,iterations=4096"}}}, the user name
 * URL-encoded as Kafka's sanitizer does (space as {@code %20}, {@code *} as {@code %2A}, {@code ~} kept). Every change
 * is followed by Kafka's change notification, a sequential {@code /config/changes/config_change_} znode holding
 * {@code {"version":2,"entity_path":"users/<sanitized user>"}}.
 *
 * <p>Authentication reads the user's znode afresh (on {@code executor}, never on an event loop), so a credential
 * altered on any broker applies to the next login everywhere without a cache to invalidate.
 *
 * <p>Concurrency: stateless over the thread-safe {@link ZkStore}; any thread may call it.
 */
public final class ScramCredentialStore implements ScramServer.CredentialLookup {
    private static final Logger log = LoggerFactory.getLogger(ScramCredentialStore.class);

    /** The config entity type of users. */
    static final String USERS = "users";

    private final ZkStore zk;
    private final ConfigEntityStore entities;
    private final Executor executor;

    public ScramCredentialStore(ZkStore zk, Executor executor) {
        this.zk = Objects.requireNonNull(zk, "zk");
        this.entities = new ConfigEntityStore(zk);
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    /** Kafka's sanitized form of an entity name (URL encoding; {@code %20} for space, {@code %2A} for '*'). */
    static String sanitize(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8)
                .replace("+", "%20")
                .replace("*", "%2A")
                .replace("%7E", "~");
    }

    /** The inverse of {@link #sanitize}. */
    static String desanitize(String sanitized) {
        return java.net.URLDecoder.decode(sanitized.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    static String path(String user) {
        return ConfigEntityZNode.path(USERS, sanitize(user));
    }

    @Override
    public CompletionStage<Optional<ScramCredential>> lookup(String user, ScramMechanism mechanism) {
        return CompletableFuture.supplyAsync(() -> read(user, mechanism), executor);
    }

    /** The user's credential for {@code mechanism}; empty if the user or the mechanism is absent or unreadable. */
    public Optional<ScramCredential> read(String user, ScramMechanism mechanism) {
        String stored = entities.read(path(user)).value().get(mechanism.mechanismName());
        if (stored == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Scram.decode(stored));
        } catch (IllegalArgumentException e) {
            log.warn(
                    "Ignoring malformed {} credential of user {} in {}: {}",
                    mechanism,
                    user,
                    path(user),
                    e.getMessage());
            return Optional.empty();
        }
    }

    /** Every user with a znode under {@code /config/users} and its SCRAM mechanisms with their iteration counts. */
    public Map<String, Map<ScramMechanism, Integer>> describeAll() {
        Map<String, Map<ScramMechanism, Integer>> out = new HashMap<>();
        for (String child : zk.children(ZkPaths.CONFIG + "/" + USERS)) {
            String user = desanitize(child);
            Map<ScramMechanism, Integer> mechanisms = describe(user);
            if (!mechanisms.isEmpty()) {
                out.put(user, mechanisms);
            }
        }
        return out;
    }

    /** The user's SCRAM mechanisms and their iteration counts (empty if none). */
    public Map<ScramMechanism, Integer> describe(String user) {
        Map<String, String> config = entities.read(path(user)).value();
        Map<ScramMechanism, Integer> out = new HashMap<>();
        for (ScramMechanism mechanism : ScramMechanism.values()) {
            String stored = config.get(mechanism.mechanismName());
            if (mechanism != ScramMechanism.UNKNOWN && stored != null) {
                try {
                    out.put(mechanism, Scram.decode(stored).iterations());
                } catch (IllegalArgumentException e) {
                    log.warn("Malformed {} credential of user {}: {}", mechanism, user, e.getMessage());
                }
            }
        }
        return out;
    }

    /**
     * Applies {@code change} to the user's config map (compare-and-set, retried on concurrent writers) and publishes
     * the change notification.
     */
    public void update(String user, UnaryOperator<Map<String, String>> change) {
        entities.update(path(user), change, false);
        String entityPath = USERS + "/" + sanitize(user);
        byte[] notification =
                ("{\"version\":2,\"entity_path\":\"" + entityPath + "\"}").getBytes(StandardCharsets.UTF_8);
        zk.create(ZkPaths.CONFIG_CHANGES + "/config_change_", notification, CreateMode.PERSISTENT_SEQUENTIAL);
        log.info("SCRAM credentials of user {} changed ({})", user, entityPath);
    }

    /** Sets the user's credential for {@code mechanism}. */
    public void upsert(String user, ScramMechanism mechanism, ScramCredential credential) {
        update(user, current -> {
            Map<String, String> next = new HashMap<>(current);
            next.put(mechanism.mechanismName(), Scram.encode(credential));
            return next;
        });
    }
}
