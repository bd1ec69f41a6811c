package io.sluice.broker.quota;

import io.sluice.broker.config.ConfigEntityStore;
import io.sluice.metadata.zk.ConfigEntityZNode;
import io.sluice.metadata.zk.ZkDataException;
import io.sluice.metadata.zk.ZkNode;
import io.sluice.metadata.zk.ZkPaths;
import io.sluice.metadata.zk.ZkStore;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client quotas in ZooKeeper as Kafka stores them: the quota keys of an entity in its config znode
 * ({@code {"version":1,"config":{"producer_byte_rate":"1048576"}}}, beside SCRAM credentials in a user's znode), each
 * change followed by Kafka's notification, a sequential {@code /config/changes/config_change_} znode holding
 * {@code {"version":2,"entity_path":"users/alice/clients/app"}}. A user's znode is created with an empty config before
 * a {@code users/<user>/clients/<id>} child, so it always decodes.
 *
 * <p>Concurrency: stateless over the thread-safe {@link ZkStore}; any thread may call it. Writes are
 * compare-and-set through {@link ConfigEntityStore}, so they keep keys they do not change (SCRAM credentials).
 */
public final class QuotaStore {
    private static final Logger log = LoggerFactory.getLogger(QuotaStore.class);

    private final ZkStore zk;
    private final ConfigEntityStore entities;

    public QuotaStore(ZkStore zk) {
        this.zk = Objects.requireNonNull(zk, "zk");
        this.entities = new ConfigEntityStore(zk);
    }

    ZkStore zk() {
        return zk;
    }

    /**
     * Every entity with at least one quota key, and its quota values. A znode that does not decode, or a quota value
     * that is not a number, is logged and skipped.
     */
    public Map<QuotaEntity, Map<String, Double>> readAll() {
        Map<QuotaEntity, Map<String, Double>> out = new HashMap<>();
        String users = ZkPaths.CONFIG + "/" + QuotaEntity.USERS;
        for (String user : zk.children(users)) {
            String userName = QuotaEntity.desanitize(user);
            readInto(out, QuotaEntity.ofUser(userName));
            for (String client : zk.children(users + "/" + user + "/" + QuotaEntity.CLIENTS)) {
                readInto(out, QuotaEntity.of(userName, QuotaEntity.desanitize(client)));
            }
        }
        for (String client : zk.children(ZkPaths.CONFIG + "/" + QuotaEntity.CLIENTS)) {
            readInto(out, QuotaEntity.ofClient(QuotaEntity.desanitize(client)));
        }
        return out;
    }

    /** The quota values of one entity, empty if it has none. */
    public Map<String, Double> read(QuotaEntity entity) {
        Map<QuotaEntity, Map<String, Double>> out = new HashMap<>();
        readInto(out, entity);
        return out.getOrDefault(entity, Map.of());
    }

    private void readInto(Map<QuotaEntity, Map<String, Double>> out, QuotaEntity entity) {
        String path = entity.zkPath();
        Optional<ZkNode> node = zk.get(path);
        if (node.isEmpty() || node.get().data() == null || node.get().data().length == 0) {
            return;
        }
        Map<String, String> config;
        try {
            config = ConfigEntityZNode.decode(path, node.get().data());
        } catch (ZkDataException e) {
            log.warn("Ignoring malformed quota config znode {}: {}", path, e.getMessage());
            return;
        }
        Map<String, Double> quotas = new HashMap<>();
        config.forEach((key, value) -> {
            if (QuotaType.ofKey(key).isPresent()) {
                try {
                    quotas.put(key, Double.parseDouble(value));
                } catch (NumberFormatException e) {
                    log.warn("Ignoring quota {}={} of {}: not a number", key, value, path);
                }
            }
        });
        if (!quotas.isEmpty()) {
            out.put(entity, Map.copyOf(quotas));
        }
    }

    /**
     * Sets and removes quota keys of {@code entity} and publishes the change notification.
     *
     * @param change the entity's new config as a function of its current one (all keys, not only quotas)
     */
    public void update(QuotaEntity entity, UnaryOperator<Map<String, String>> change) {
        if (entity.user() != null && entity.clientId() != null) {
            // the parent user znode must decode as a config (SCRAM lookups read it)
            zk.createIfAbsent(
                    QuotaEntity.ofUser(entity.user()).zkPath(),
                    ConfigEntityZNode.encode(Map.of()),
                    CreateMode.PERSISTENT);
        }
        entities.update(entity.zkPath(), change, false);
        byte[] notification =
                ("{\"version\":2,\"entity_path\":\"" + entity.entityPath() + "\"}").getBytes(StandardCharsets.UTF_8);
        zk.create(ZkPaths.CONFIG_CHANGES + "/config_change_", notification, CreateMode.PERSISTENT_SEQUENTIAL);
        log.info("Client quotas of {} changed", entity);
    }
}
