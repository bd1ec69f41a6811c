package io.sluice.broker.network;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiHandlerRegistry;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One connection's pipeline on an {@link EmbeddedChannel}, as the server builds it. */
final class EmbeddedConnection implements AutoCloseable {

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final NetworkMetrics metrics = new NetworkMetrics(meters);
    final InFlightRequests inFlight = new InFlightRequests();
    final RequestDispatcher dispatcher;
    final EmbeddedChannel channel;

    /**
     * @param maxInFlight requests the connection may have in flight before it is muted
     * @param idleMs the idle timeout; 0 leaves the idle handler out
     */
    EmbeddedConnection(
            int maxFrameBytes, boolean zeroCopy, List<? extends ApiHandler<?>> handlers, int maxInFlight, long idleMs) {
        ApiHandlerRegistry registry = ApiHandlerRegistry.of(handlers);
        dispatcher = new RequestDispatcher(1, 10, new DefaultThreadFactory("test-io", true), metrics);
        RequestChannelHandler.Shared shared = new RequestChannelHandler.Shared(
                "[test]",
                "PLAINTEXT",
                registry,
                new RequestParser(registry),
                dispatcher,
                metrics,
                inFlight,
                Clock.systemUTC(),
                zeroCopy,
                maxInFlight,
                ConnectionPrincipals.anonymous());
        List<ChannelHandler> pipeline = new ArrayList<>();
        pipeline.add(new RequestFrameDecoder(maxFrameBytes, "[test]", metrics));
        if (idleMs > 0) {
            pipeline.add(new IdleStateHandler(0, 0, idleMs, TimeUnit.MILLISECONDS));
        }
        pipeline.add(new RequestChannelHandler(shared, "test-1"));
        channel = new EmbeddedChannel(pipeline.toArray(ChannelHandler[]::new));
        channel.freezeTime();
    }

    EmbeddedConnection(int maxFrameBytes, boolean zeroCopy, List<? extends ApiHandler<?>> handlers) {
        this(maxFrameBytes, zeroCopy, handlers, ConnectionLimits.DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION, 0);
    }

    EmbeddedConnection(List<? extends ApiHandler<?>> handlers) {
        this(1024 * 1024, true, handlers);
    }

    void send(ByteBuffer bytes) {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes));
        channel.runPendingTasks();
    }

    List<ByteBuffer> responses() {
        channel.runPendingTasks();
        return KafkaWire.responses(channel);
    }

    /** Moves the channel's (frozen) clock on and runs the scheduled tasks that became due. */
    void advance(Duration time) {
        channel.advanceTimeBy(time.toMillis(), TimeUnit.MILLISECONDS);
        channel.runPendingTasks();
    }

    @Override
    public void close() {
        channel.finishAndReleaseAll();
        dispatcher.close(Duration.ofSeconds(5));
    }
}
