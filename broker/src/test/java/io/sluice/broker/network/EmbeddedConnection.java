package io.sluice.broker.network;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiHandlerRegistry;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** One connection's pipeline on an {@link EmbeddedChannel}, as the server builds it. */
final class EmbeddedConnection implements AutoCloseable {

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final NetworkMetrics metrics = new NetworkMetrics(meters);
    final InFlightRequests inFlight = new InFlightRequests();
    final RequestDispatcher dispatcher;
    final EmbeddedChannel channel;

    EmbeddedConnection(int maxFrameBytes, boolean zeroCopy, List<? extends ApiHandler<?>> handlers) {
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
                zeroCopy);
        channel = new EmbeddedChannel(
                new RequestFrameDecoder(maxFrameBytes, "[test]", metrics), new RequestChannelHandler(shared, "test-1"));
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

    @Override
    public void close() {
        channel.finishAndReleaseAll();
        dispatcher.close(Duration.ofSeconds(5));
    }
}
