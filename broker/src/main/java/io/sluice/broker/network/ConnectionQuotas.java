package io.sluice.broker.network;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code max.connections.per.ip} (with its overrides) and {@code max.connections} when connections are
 * accepted, as Kafka's acceptor does:
 *
 * <ul>
 *   <li>a connection from an address that already has its limit of open connections (all listeners counted) is
 *       closed at once, before it is registered with an event loop or reads a byte;
 *   <li>when the open connections reach {@code max.connections}, every listener's acceptor except the protected
 *       (inter-broker) one stops taking connections off the listen backlog, and resumes when one closes; clients wait
 *       in the backlog (or time out there) instead of being refused. A connection accepted beyond the limit anyway
 *       (the NIO transport accepts a few at a time) is closed at once.
 * </ul>
 *
 * <p>The protected listener's connections are counted in the total but never refused or throttled, so that brokers
 * and the controller can always reach the broker; the per-address limit applies to every listener, as in Kafka.
 *
 * <p>Concurrency: {@link Gate#channelRead} runs on the acceptor thread, releases run on the event loop of the closing
 * connection. All counts and the paused flag are guarded by this object's monitor (a leaf lock: only Netty's
 * thread-safe {@code setAutoRead} is called under it).
 */
final class ConnectionQuotas {

    private static final Logger log = LoggerFactory.getLogger(ConnectionQuotas.class);

    private static final class PerAddress {
        int open;
        /** Whether a rejection was logged at WARN since the address was last under its limit. */
        boolean reported;
    }

    private final ConnectionLimits limits;
    private final NetworkMetrics metrics;
    private final String logPrefix;
    private final Map<InetAddress, PerAddress> byAddress = new HashMap<>();
    private final List<Channel> throttledAcceptors = new ArrayList<>();
    private int open;
    private boolean acceptorsPaused;

    ConnectionQuotas(ConnectionLimits limits, NetworkMetrics metrics, String logPrefix) {
        this.limits = limits;
        this.metrics = metrics;
        this.logPrefix = logPrefix;
    }

    /** The acceptor-side handler of one listener's server channel. */
    ChannelHandler gate(String listenerName) {
        return new Gate(listenerName);
    }

    /** Open connections counted by the quotas. */
    synchronized int open() {
        return open;
    }

    /** Whether the throttled acceptors are paused because {@code max.connections} is reached. */
    synchronized boolean acceptorsPaused() {
        return acceptorsPaused;
    }

    private synchronized void register(Channel acceptor, String listenerName) {
        if (!limits.isProtected(listenerName)) {
            throttledAcceptors.add(acceptor);
            if (acceptorsPaused) {
                acceptor.config().setAutoRead(false);
            }
        }
    }

    /** Counts the connection in, or returns why it must be closed (the metric reason). */
    private synchronized String admit(String listenerName, InetAddress address) {
        boolean exempt = limits.isProtected(listenerName);
        if (!exempt && open >= limits.maxConnections()) {
            return "max_connections";
        }
        if (address != null) {
            PerAddress counts = byAddress.computeIfAbsent(address, a -> new PerAddress());
            int limit = limits.maxConnectionsFrom(address);
            if (counts.open >= limit) {
                if (counts.open == 0) {
                    byAddress.remove(address);
                }
                if (!counts.reported) {
                    counts.reported = true;
                    log.warn(
                            "{} Closing a connection from {} on {}: it already has {} open connections"
                                    + " (max.connections.per.ip / max.connections.per.ip.overrides); further rejections"
                                    + " from it are logged at DEBUG until it is under the limit again",
                            logPrefix,
                            address.getHostAddress(),
                            listenerName,
                            counts.open);
                } else {
                    log.debug(
                            "{} Closing a connection from {} on {}: {} open, limit {}",
                            logPrefix,
                            address.getHostAddress(),
                            listenerName,
                            counts.open,
                            limit);
                }
                return "max_connections_per_ip";
            }
            counts.open++;
        }
        open++;
        if (open >= limits.maxConnections() && !acceptorsPaused) {
            acceptorsPaused = true;
            throttledAcceptors.forEach(a -> a.config().setAutoRead(false));
            metrics.acceptorPaused();
            log.info(
                    "{} {} open connections reached max.connections={}; pausing accepts on every listener but {}",
                    logPrefix,
                    open,
                    limits.maxConnections(),
                    limits.protectedListener() == null ? "none" : limits.protectedListener());
        }
        return null;
    }

    private synchronized void release(InetAddress address) {
        open--;
        if (address != null) {
            PerAddress counts = byAddress.get(address);
            if (counts != null) {
                counts.open--;
                if (counts.open <= 0) {
                    byAddress.remove(address);
                } else if (counts.open < limits.maxConnectionsFrom(address)) {
                    counts.reported = false;
                }
            }
        }
        if (acceptorsPaused && open < limits.maxConnections()) {
            acceptorsPaused = false;
            throttledAcceptors.forEach(a -> a.config().setAutoRead(true));
            log.info("{} {} open connections, below max.connections again; accepting", logPrefix, open);
        }
    }

    private static InetAddress addressOf(Channel child) {
        SocketAddress remote = child.remoteAddress();
        return remote instanceof InetSocketAddress inet ? inet.getAddress() : null;
    }

    /** Sees each accepted connection on the acceptor thread before it is registered with an event loop. */
    private final class Gate extends ChannelInboundHandlerAdapter {
        private final String listenerName;

        Gate(String listenerName) {
            this.listenerName = listenerName;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            register(ctx.channel(), listenerName);
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Channel child = (Channel) msg;
            InetAddress address = addressOf(child);
            String refused = admit(listenerName, address);
            if (refused != null) {
                metrics.connectionLimited(refused);
                if (refused.equals("max_connections")) {
                    log.debug(
                            "{} Closing a connection from {} on {}: max.connections={} reached",
                            logPrefix,
                            child.remoteAddress(),
                            listenerName,
                            limits.maxConnections());
                }
                child.unsafe().closeForcibly();
                return;
            }
            child.closeFuture().addListener(f -> release(address));
            ctx.fireChannelRead(child);
        }
    }
}
