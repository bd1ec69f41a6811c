package io.sluice.broker.remote;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.config.BrokerConfigKeys;
import io.sluice.replication.remote.RemoteLogManager;
import io.sluice.replication.remote.RemoteLogManagerConfig;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.curator.framework.CuratorFramework;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.server.log.remote.storage.RemoteLogMetadataManager;
import org.apache.kafka.server.log.remote.storage.RemoteStorageManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the broker's {@link RemoteLogManager} from its configuration when {@code remote.log.storage.system.enable}
 * is set: loads the RemoteStorageManager and RemoteLogMetadataManager by class name, from {@code
 * remote.log.storage.manager.class.path} / {@code remote.log.metadata.manager.class.path} when set (each in its own
 * class loader whose parent is the broker's, so the plugin interfaces are the broker's own; a plugin jar brings its
 * other dependencies), and configures them as Kafka's broker does: the RemoteStorageManager with the {@code
 * rsm.config.} properties (prefix stripped) plus {@code broker.id}; the RemoteLogMetadataManager with the {@code
 * rlmm.config.} properties plus {@code broker.id}, {@code cluster.id}, {@code log.dir} and {@code zookeeper.connect}.
 * The built-in ZooKeeper metadata manager shares the broker's ZooKeeper client.
 */
public final class RemoteStoragePlugins {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteStoragePlugins.class);

    private RemoteStoragePlugins() {}

    /**
     * The remote log manager of this broker, or empty when tiered storage is off.
     *
     * @throws IllegalArgumentException when a plugin cannot be loaded or configured
     */
    public static Optional<RemoteLogManager> create(
            BrokerConfig config,
            String clusterId,
            CuratorFramework zk,
            Function<String, Optional<Uuid>> topicIds,
            Clock clock,
            MeterRegistry registry) {
        if (!config.remoteLogStorageSystemEnable()) {
            return Optional.empty();
        }
        String brokerId = String.valueOf(config.brokerId());
        Map<String, Object> rsmProps = new HashMap<>(config.remoteStorageManagerProps());
        rsmProps.put("broker.id", brokerId);
        RemoteStorageManager rsm = load(
                RemoteStorageManager.class,
                config.get(BrokerConfigKeys.REMOTE_LOG_STORAGE_MANAGER_CLASS_NAME),
                config.get(BrokerConfigKeys.REMOTE_LOG_STORAGE_MANAGER_CLASS_PATH));
        configure(rsm, rsmProps);
        Map<String, Object> rlmmProps = new HashMap<>(config.remoteLogMetadataManagerProps());
        rlmmProps.put("broker.id", brokerId);
        rlmmProps.put("cluster.id", clusterId);
        rlmmProps.put("log.dir", config.logDirs().get(0).toString());
        rlmmProps.putIfAbsent("zookeeper.connect", config.get(BrokerConfigKeys.ZOOKEEPER_CONNECT));
        // the broker's ZooKeeper security (zookeeper.set.acl, zookeeper.ssl.*) for a manager with its own client
        config.originals().forEach((key, value) -> {
            if (key.startsWith("zookeeper.")) {
                rlmmProps.putIfAbsent(key, value);
            }
        });
        RemoteLogMetadataManager rlmm = load(
                RemoteLogMetadataManager.class,
                config.get(BrokerConfigKeys.REMOTE_LOG_METADATA_MANAGER_CLASS_NAME),
                config.get(BrokerConfigKeys.REMOTE_LOG_METADATA_MANAGER_CLASS_PATH));
        if (rlmm instanceof ZkRemoteLogMetadataManager zkManager) {
            zkManager.useClient(zk);
        }
        configure(rlmm, rlmmProps);
        Path scratch;
        try {
            scratch = Files.createTempDirectory("sluice-remote-log-" + brokerId + "-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the remote log manager's scratch directory", e);
        }
        RemoteLogManagerConfig rlmConfig = new RemoteLogManagerConfig(
                config.brokerId(),
                config.get(BrokerConfigKeys.REMOTE_LOG_MANAGER_TASK_INTERVAL_MS),
                config.get(BrokerConfigKeys.REMOTE_LOG_MANAGER_COPIER_THREAD_POOL_SIZE),
                config.get(BrokerConfigKeys.REMOTE_LOG_MANAGER_THREAD_POOL_SIZE),
                config.get(BrokerConfigKeys.REMOTE_LOG_READER_THREADS),
                config.get(BrokerConfigKeys.REMOTE_LOG_READER_MAX_PENDING_TASKS),
                config.get(BrokerConfigKeys.REMOTE_FETCH_MAX_WAIT_MS));
        LOG.info(
                "[Broker {}] Tiered storage on: {} with {}",
                brokerId,
                rsm.getClass().getName(),
                rlmm.getClass().getName());
        return Optional.of(new RemoteLogManager(rlmConfig, rsm, rlmm, topicIds, scratch, clock, registry));
    }

    /** Instantiates {@code className} as a {@code type}, from {@code classPath} when set. */
    static <T> T load(Class<T> type, String className, String classPath) {
        ClassLoader loader = classLoader(classPath);
        try {
            Class<?> cls = Class.forName(className, true, loader);
            if (!type.isAssignableFrom(cls)) {
                throw new IllegalArgumentException(className + " is not a " + type.getName());
            }
            return type.cast(cls.getDeclaredConstructor().newInstance());
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalArgumentException("cannot load " + type.getSimpleName() + " " + className, e);
        }
    }

    private static ClassLoader classLoader(String classPath) {
        ClassLoader parent = RemoteStoragePlugins.class.getClassLoader();
        if (classPath == null || classPath.isBlank()) {
            return parent;
        }
        List<URL> urls = new ArrayList<>();
        for (String entry : classPath.split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            try {
                urls.add(Path.of(entry.trim()).toUri().toURL());
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException("bad class path entry " + entry, e);
            }
        }
        return new URLClassLoader(urls.toArray(new URL[0]), parent);
    }

    /** Calls {@code configure} with the plugin's class loader as the context class loader, as Kafka does. */
    private static void configure(org.apache.kafka.common.Configurable plugin, Map<String, Object> props) {
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        thread.setContextClassLoader(plugin.getClass().getClassLoader());
        try {
            plugin.configure(props);
        } finally {
            thread.setContextClassLoader(before);
        }
    }
}
