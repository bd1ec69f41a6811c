package io.sluice.broker.group.api;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.group.GroupCoordinator;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Objects;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * What every group API handler shares: the coordinator, the version range (0 to the highest the pinned
 * kafka-clients defines), and that none of them blocks (the coordinator never waits on I/O in the caller's thread).
 *
 * <p>Concurrency: immutable; the coordinator is thread-safe.
 */
abstract class GroupApiHandler<Req extends ApiMessage> implements ApiHandler<Req> {
    protected final GroupCoordinator coordinator;
    private final ApiKeys apiKey;
    private final short maxVersion;

    GroupApiHandler(GroupCoordinator coordinator, ApiKeys apiKey, short maxVersion) {
        this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
        this.apiKey = apiKey;
        this.maxVersion = maxVersion;
    }

    @Override
    public final ApiKeys apiKey() {
        return apiKey;
    }

    @Override
    public final short minVersion() {
        return 0;
    }

    @Override
    public final short maxVersion() {
        return maxVersion;
    }

    @Override
    public final boolean mayBlock() {
        return false;
    }

    /** The client's host as Kafka shows it ({@code /127.0.0.1}). */
    static String clientHost(SocketAddress address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return "/" + inet.getAddress().getHostAddress();
        }
        return address == null ? "" : address.toString();
    }
}
