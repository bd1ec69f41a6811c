package io.sluice.broker.network.client;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event loop group shared by all outbound broker clients of one broker: epoll when the native transport is
 * available, NIO otherwise. Each {@link BrokerClient} pins itself to one loop of the group.
 *
 * <p>Concurrency: thread-safe; {@link #close()} is idempotent and must come after the clients are closed.
 */
public final class ClientEventLoops implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClientEventLoops.class);

    private final EventLoopGroup group;
    private final Class<? extends SocketChannel> channelClass;
    private final boolean nativeTransport;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ClientEventLoops(
            EventLoopGroup group, Class<? extends SocketChannel> channelClass, boolean nativeTransport) {
        this.group = group;
        this.channelClass = channelClass;
        this.nativeTransport = nativeTransport;
    }

    /**
     * Creates a group of {@code threads} daemon threads named {@code <name>-N}.
     *
     * @param preferNative use epoll if it is available
     */
    public static ClientEventLoops create(int threads, String name, boolean preferNative) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, was " + threads);
        }
        boolean useEpoll = preferNative && Epoll.isAvailable();
        IoHandlerFactory factory = useEpoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), factory);
        log.info("Outbound broker client event loops: {} threads, transport {}", threads, useEpoll ? "epoll" : "nio");
        return new ClientEventLoops(group, useEpoll ? EpollSocketChannel.class : NioSocketChannel.class, useEpoll);
    }

    EventLoopGroup group() {
        return group;
    }

    Class<? extends SocketChannel> channelClass() {
        return channelClass;
    }

    /** True if the epoll transport is in use. */
    public boolean isNative() {
        return nativeTransport;
    }

    /** Shuts the loops down and waits up to 5 s for them to stop. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}
