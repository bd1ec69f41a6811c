package io.sluice.broker.config;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.testing.EmbeddedZooKeeper;
import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.model.TopicMetadata;
import io.sluice.metadata.zk.ConfigEntityZNode;
import io.sluice.metadata.zk.TopicZNode;
import io.sluice.metadata.zk.ZkStore;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.zookeeper.CreateMode;

/**
 * An embedded ZooKeeper with Sluice's persistent paths, a broker config, topics and config znodes for config tests,
 * plus a wire round trip that encodes requests and responses at a version as a client and the network layer would.
 */
public final class ConfigTestFixture implements AutoCloseable {
    public static final int BROKER_ID = 1;

    private final EmbeddedZooKeeper zk;
    private final ZkStore store;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    public ConfigTestFixture(File dataDir) throws Exception {
        zk = new EmbeddedZooKeeper(dataDir);
        store = zk.newSession();
        store.ensurePersistentPaths();
    }

    public ZkStore store() {
        return store;
    }

    /** Broker 1 with {@code log.segment.bytes} set statically (so one key has a STATIC source) plus {@code extra}. */
    public static BrokerConfig brokerConfig(Map<String, String> extra) {
        Map<String, String> raw = new HashMap<>();
        raw.put("broker.id", Integer.toString(BROKER_ID));
        raw.put("zookeeper.connect", "127.0.0.1:2181");
        raw.put("listeners", "PLAINTEXT://127.0.0.1:9092");
        raw.put("log.segment.bytes", "536870912");
        raw.putAll(extra);
        return BrokerConfig.fromMap(raw, () -> "127.0.0.1");
    }

    public static BrokerConfig brokerConfig() {
        return brokerConfig(Map.of());
    }

    /** A started config manager over a new session (closed with the fixture). */
    public ConfigManager startConfigManager(BrokerConfig config) throws InterruptedException {
        ConfigManager manager = new ConfigManager(config, zk.newSession(), Duration.ofMillis(100));
        closeables.add(manager);
        manager.start();
        return manager;
    }

    public void createTopic(String topic) {
        store.create(
                TopicZNode.path(topic),
                TopicZNode.encode(TopicMetadata.of(topic, Uuid.randomUuid(), Map.of(0, List.of(BROKER_ID)))),
                CreateMode.PERSISTENT);
    }

    /** Writes {@code /config/topics/T} (creating it if needed). */
    public void setTopicConfig(String topic, Map<String, String> config) {
        writeRaw(ConfigEntityZNode.topicPath(topic), ConfigEntityZNode.encode(config));
    }

    public void setBrokerDefaults(Map<String, String> config) {
        writeRaw(ConfigEntityZNode.brokerDefaultPath(), ConfigEntityZNode.encode(config));
    }

    /** Writes arbitrary bytes to {@code path} (creating it if needed). */
    public void writeRaw(String path, byte[] data) {
        if (!store.createIfAbsent(path, data, CreateMode.PERSISTENT)) {
            store.setData(path, data, -1);
        }
    }

    public void writeRaw(String path, String data) {
        writeRaw(path, data.getBytes(StandardCharsets.UTF_8));
    }

    public void expireSession(ZkStore session) throws Exception {
        EmbeddedZooKeeper.expireSession(session);
    }

    /**
     * Sends {@code request} through {@code handler} as bytes: the request is encoded at its version and parsed back,
     * the response encoded at that version and parsed by {@code parseResponse}.
     */
    public static <Req extends ApiMessage, Resp> Resp roundTrip(
            ApiHandler<Req> handler,
            AbstractRequest request,
            BiFunction<ByteBuffer, Short, AbstractRequest> parseRequest,
            BiFunction<ByteBuffer, Short, Resp> parseResponse)
            throws Exception {
        short version = request.version();
        AbstractRequest parsed = parseRequest.apply(MessageUtil.toByteBuffer(request.data(), version), version);
        RequestContext context = new RequestContext(
                new RequestHeader(request.apiKey(), version, "config-test", 7),
                "PLAINTEXT",
                new InetSocketAddress("127.0.0.1", 50000),
                "conn-1",
                0L);
        @SuppressWarnings("unchecked")
        Req body = (Req) parsed.data();
        ApiResponse response =
                handler.handle(context, body).toCompletableFuture().get(30, TimeUnit.SECONDS);
        ApiMessage message = ((ApiResponse.Send) response).message();
        return parseResponse.apply(MessageUtil.toByteBuffer(message, version), version);
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        zk.close();
    }
}
