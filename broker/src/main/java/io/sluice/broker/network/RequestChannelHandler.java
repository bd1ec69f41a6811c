package io.sluice.broker.network;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiHandlerRegistry;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestCancellation;
import io.sluice.broker.api.RequestContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: parses frames, dispatches them to their API handlers (inline or on the handler pool) and
 * writes the responses strictly in request order.
 *
 * <p>A rejected frame closes this connection only, with a logged reason. A handler that throws, fails its stage,
 * completes with null or answers with another API's message gets the API's error response with
 * {@code UNKNOWN_SERVER_ERROR}; only if the API has no error response (produce with {@code acks=0}) is the
 * connection closed, so the client notices.
 *
 * <p><b>Muting.</b> A connection may have {@code maxInFlight} requests read and not yet answered (1, as Kafka: its
 * network threads mute a channel from the moment a request is read until its response is sent). At the limit the
 * connection is muted: its channel stops reading, so further requests wait in the socket buffers, where the client's
 * own pipelining ({@code max.in.flight.requests.per.connection}) leaves them, and cost the broker nothing. Frames the
 * decoder had already split out of the last read wait in {@code unread} (at most one socket read, as the read loop
 * stops as soon as reading is switched off). A client therefore cannot park more than {@code maxInFlight} delayed
 * operations (long-poll fetches, acks=all produces) per connection. Reading also stops while the handler queue is
 * full, while the socket is not writable (the client is not reading its responses), and during shutdown.
 *
 * <p>Handlers that may block run on the handler pool one at a time per connection, in arrival order (this matters
 * when {@code maxInFlight} > 1): an idempotent producer pipelines up to five produce requests on one connection, and
 * appending them in any other order is answered with {@code OUT_OF_ORDER_SEQUENCE_NUMBER}. Only the handler's call is
 * serialized; its completion (an acks=all produce waiting in the purgatory, a long-poll fetch) is not waited for.
 *
 * <p><b>Closing.</b> When the connection closes, the {@link RequestCancellation} of every request not yet answered is
 * cancelled, so delayed operations waiting for it leave their purgatory at once. A muted connection notices that the
 * client went away if the client resets it, or, on the epoll transport, if its FIN arrives (epoll reports it even
 * while the channel does not read, and Netty then reads up to the end of the stream). A FIN that cannot arrive (the
 * client's own send buffer still holds requests the broker has not read) or a close on the NIO transport is noticed
 * when the request in flight is answered; until then the connection holds that one request, as in Kafka.
 *
 * <p><b>Idle connections.</b> With an idle timeout configured (an {@code IdleStateHandler} between the frame decoder
 * and this handler, so that only whole requests and responses count as activity), a connection that is idle and has
 * nothing in flight is closed: a client trickling a request byte by byte is idle too.
 *
 * <p>Concurrency: all state is owned by the channel's event loop. Handler completions arrive on any thread and are
 * moved to the event loop; completions after the connection closed are dropped. Cancellation callbacks run on the
 * event loop.
 */
final class RequestChannelHandler extends ChannelInboundHandlerAdapter implements RequestDispatcher.Backpressured {

    private static final Logger log = LoggerFactory.getLogger(RequestChannelHandler.class);

    /** Per-connection collaborators that are shared by the whole server. */
    record Shared(
            String logPrefix,
            String listenerName,
            ApiHandlerRegistry registry,
            RequestParser parser,
            RequestDispatcher dispatcher,
            NetworkMetrics metrics,
            InFlightRequests inFlight,
            Clock clock,
            boolean zeroCopy,
            int maxInFlight,
            ConnectionPrincipals principals) {}

    /**
     * A request frame as the decoder split it out, with the time it was read; {@code answer} is the response of a
     * request an earlier handler answered ({@link AnsweredRequest}), null for every other request.
     */
    private record Frame(ByteBuffer bytes, long receiveTimeMs, CompletionStage<ApiMessage> answer) {}

    private record Pending(RequestContext context, ByteBuffer bodyBuffer, AbstractRequest parsed) {
        RequestHeader header() {
            return context.header();
        }
    }

    private sealed interface Outcome permits Reply, Silent, Failed, Unsupported {}

    private record Reply(Pending request, ApiMessage message, long throttleMs) implements Outcome {}

    private record Silent(Pending request) implements Outcome {}

    private record Failed(Pending request, Throwable cause) implements Outcome {}

    private record Unsupported(Pending request) implements Outcome {}

    private final Shared shared;
    private final String connectionId;
    /** Who this connection speaks for; {@code User:ANONYMOUS} until a listener's authentication says otherwise. */
    private volatile KafkaPrincipal principal = KafkaPrincipal.ANONYMOUS;
    /** This connection's blocking requests not yet handed to the pool, in arrival order (event loop only). */
    private final ArrayDeque<Runnable> blockingBacklog = new ArrayDeque<>();
    /** Whether one of this connection's blocking requests is on the pool (event loop only). */
    private boolean blockingRunning;

    /** Frames decoded while muted, in arrival order (event loop only). */
    private final ArrayDeque<Frame> unread = new ArrayDeque<>();
    /** The cancellations of the requests registered and not yet released, in request order (event loop only). */
    private final ArrayDeque<RequestCancellation> cancellations = new ArrayDeque<>();
    /** Whether {@link #processUnread()} is on the stack (a request answered inline re-enters it). */
    private boolean processing;

    private boolean muted;
    /** Throttles (quota violations) whose time has not yet passed; no request is read while any is (event loop). */
    private int throttles;

    private final ResponseSequencer<Outcome> sequencer = new ResponseSequencer<>();
    private ChannelHandlerContext ctx;
    /** Written on the event loop; read by pool threads to skip requests of closed connections. */
    private volatile boolean closed;

    private boolean pausedByQueue;
    private boolean pausedByWritability;
    private boolean pausedByShutdown;

    RequestChannelHandler(Shared shared, String connectionId) {
        this.shared = shared;
        this.connectionId = connectionId;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
    }

    @Override
    public void channelActive(ChannelHandlerContext context) {
        shared.metrics().connectionOpened();
        if (context.channel().remoteAddress() instanceof InetSocketAddress address) {
            principal = shared.principals().plaintext(address.getAddress(), shared.listenerName());
        }
        log.debug("{} Accepted connection {} from {}", shared.logPrefix(), connectionId, remote());
        context.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        shared.metrics().connectionClosed();
        markClosed();
        log.debug("{} Connection {} from {} closed", shared.logPrefix(), connectionId, remote());
        context.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        if (closed) {
            return;
        }
        if (msg instanceof AnsweredRequest answered) {
            unread.add(new Frame(answered.frame(), shared.clock().millis(), answered.response()));
        } else {
            unread.add(new Frame((ByteBuffer) msg, shared.clock().millis(), null));
        }
        processUnread();
    }

    /** Handles unread frames while the connection is under its in-flight limit, then mutes or unmutes it. */
    private void processUnread() {
        if (processing) {
            return;
        }
        processing = true;
        try {
            Frame frame;
            while (!closed
                    && throttles == 0
                    && sequencer.pending() < shared.maxInFlight()
                    && (frame = unread.poll()) != null) {
                handle(frame);
            }
        } finally {
            processing = false;
        }
        if (!closed) {
            muted = throttles > 0 || sequencer.pending() >= shared.maxInFlight();
            updateAutoRead();
        }
    }

    private void handle(Frame frame) {
        ParsedRequest parsed = shared.parser().parse(frame.bytes());
        if (parsed instanceof ParsedRequest.Rejected rejected) {
            closeConnection(rejected.reason(), rejected.metricReason());
        } else if (parsed instanceof ParsedRequest.Supported supported) {
            RequestCancellation cancellation = RequestCancellation.create();
            long sequence = register(cancellation);
            RequestContext rc = context(supported.header(), frame.receiveTimeMs(), cancellation);
            Pending pending = new Pending(rc, supported.bodyBuffer(), null);
            if (frame.answer() != null) {
                frame.answer()
                        .whenComplete((message, error) -> completeLater(
                                sequence, outcome(pending, error == null ? ApiResponse.of(message) : null, error)));
            } else {
                dispatch(sequence, pending, supported.body());
            }
        } else if (parsed instanceof ParsedRequest.UnsupportedVersion unsupported) {
            RequestCancellation cancellation = RequestCancellation.never();
            long sequence = register(cancellation);
            RequestContext rc = context(unsupported.header(), frame.receiveTimeMs(), cancellation);
            log.debug("{} Unsupported version in {}", shared.logPrefix(), rc);
            complete(sequence, new Unsupported(new Pending(rc, null, unsupported.request())));
        }
    }

    private long register(RequestCancellation cancellation) {
        shared.inFlight().add();
        cancellations.add(cancellation);
        return sequencer.register();
    }

    private RequestContext context(RequestHeader header, long receiveTimeMs, RequestCancellation cancellation) {
        return new RequestContext(
                header,
                shared.listenerName(),
                ctx.channel().remoteAddress(),
                connectionId,
                receiveTimeMs,
                cancellation,
                principal);
    }

    @SuppressWarnings("unchecked")
    private void dispatch(long sequence, Pending pending, ApiMessage body) {
        // The registry serves this key (checked by the parser) and the body came from its messageType.newRequest().
        ApiHandler<ApiMessage> handler = (ApiHandler<ApiMessage>)
                shared.registry().handler(pending.header().apiKey()).orElseThrow();
        if (!handler.mayBlock()) {
            invoke(handler, sequence, pending, body);
            return;
        }
        blockingBacklog.add(() -> invoke(handler, sequence, pending, body));
        if (!blockingRunning) {
            runNextBlocking();
        }
    }

    /** Hands the oldest backlogged blocking request to the pool; the next one follows once its handler returned. */
    private void runNextBlocking() {
        Runnable next = blockingBacklog.poll();
        if (next == null || closed) {
            blockingRunning = false;
            return;
        }
        blockingRunning = true;
        try {
            shared.dispatcher().submit(this, () -> {
                try {
                    if (!closed) {
                        next.run();
                    }
                } finally {
                    onEventLoop(this::runNextBlocking);
                }
            });
        } catch (RejectedExecutionException e) {
            blockingRunning = false;
            closeConnection("the request handler pool is shut down", "shutdown");
        }
    }

    private void invoke(ApiHandler<ApiMessage> handler, long sequence, Pending pending, ApiMessage body) {
        long queuedMs = Math.max(0, shared.clock().millis() - pending.context().receiveTimeMs());
        shared.metrics().requestDequeued(pending.header().apiKey(), Duration.ofMillis(queuedMs));
        CompletionStage<ApiResponse> stage;
        try {
            stage = handler.handle(pending.context(), body);
        } catch (Throwable t) {
            completeLater(sequence, new Failed(pending, t));
            return;
        }
        if (stage == null) {
            completeLater(sequence, new Failed(pending, new NullPointerException("handler returned a null stage")));
            return;
        }
        stage.whenComplete((response, error) -> completeLater(sequence, outcome(pending, response, error)));
    }

    private static Outcome outcome(Pending pending, ApiResponse response, Throwable error) {
        if (error != null) {
            Throwable cause =
                    error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            return new Failed(pending, cause);
        }
        if (response instanceof ApiResponse.Send send) {
            if (send.message().apiKey() != pending.header().apiKey().id) {
                return new Failed(
                        pending,
                        new IllegalStateException("handler answered with a message of API key "
                                + send.message().apiKey()));
            }
            return new Reply(pending, send.message(), send.throttleMs());
        }
        if (response instanceof ApiResponse.NoResponse) {
            return new Silent(pending);
        }
        return new Failed(pending, new NullPointerException("handler completed with a null response"));
    }

    private void completeLater(long sequence, Outcome outcome) {
        if (ctx.executor().inEventLoop()) {
            complete(sequence, outcome);
            return;
        }
        try {
            ctx.executor().execute(() -> complete(sequence, outcome));
        } catch (RejectedExecutionException e) {
            log.debug("{} Dropping a response for {}: event loop shut down", shared.logPrefix(), connectionId);
        }
    }

    private void complete(long sequence, Outcome outcome) {
        if (closed) {
            return;
        }
        sequencer.complete(sequence, outcome);
        boolean wrote = false;
        boolean released = false;
        Outcome next;
        while (!closed && (next = sequencer.pollNext()) != null) {
            shared.inFlight().release(1);
            cancellations.poll();
            released = true;
            wrote |= send(next);
        }
        if (wrote && !closed) {
            ctx.flush();
        }
        if (released) {
            processUnread();
        }
    }

    /** Writes (without flushing) the response for one outcome; returns whether anything was written. */
    private boolean send(Outcome outcome) {
        if (outcome instanceof Silent silent) {
            recordLatency(silent.request());
            return false;
        }
        if (outcome instanceof Reply reply) {
            RequestHeader header = reply.request().header();
            try {
                write(reply.request(), reply.message(), header.apiVersion(), responseHeaderVersion(header));
                if (reply.throttleMs() > 0) {
                    throttle(reply.throttleMs());
                }
                return true;
            } catch (RuntimeException e) {
                return send(new Failed(reply.request(), e));
            }
        }
        if (outcome instanceof Unsupported unsupported) {
            Pending pending = unsupported.request();
            RequestHeader header = pending.header();
            if (header.apiKey() == ApiKeys.API_VERSIONS) {
                return writeOrClose(pending, shared.registry().unsupportedApiVersionsResponse(), (short) 0, (short) 0);
            }
            AbstractResponse error;
            try {
                error = pending.parsed().getErrorResponse(0, Errors.UNSUPPORTED_VERSION.exception());
            } catch (RuntimeException e) {
                closeConnection("cannot build an error response for " + pending.context() + ": " + e, "encode_error");
                return false;
            }
            return writeError(pending, error, "UNSUPPORTED_VERSION");
        }
        Failed failed = (Failed) outcome;
        Pending pending = failed.request();
        log.error(
                "{} Handler failed for {} from {}; answering UNKNOWN_SERVER_ERROR",
                shared.logPrefix(),
                pending.context(),
                remote(),
                failed.cause());
        AbstractResponse error;
        try {
            error = errorResponse(pending, Errors.UNKNOWN_SERVER_ERROR);
        } catch (RuntimeException e) {
            closeConnection("cannot build an error response for " + pending.context() + ": " + e, "handler_error");
            return false;
        }
        return writeError(pending, error, "UNKNOWN_SERVER_ERROR");
    }

    /**
     * Mutes the connection for {@code throttleMs} after a response that carries that throttle time (KIP-219: the
     * client is answered at once and its next request waits, unread, until the time has passed). Each throttle
     * schedules its own end on the event loop; the connection reads again when the last of them has ended, so
     * overlapping throttles last until the latest end.
     */
    private void throttle(long throttleMs) {
        throttles++;
        muted = true;
        updateAutoRead();
        try {
            ctx.executor().schedule(this::throttleEnded, throttleMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            log.debug("{} Event loop of {} shut down", shared.logPrefix(), connectionId);
        }
    }

    private void throttleEnded() {
        throttles--;
        if (!closed && throttles == 0) {
            processUnread();
        }
    }

    private boolean writeError(Pending pending, AbstractResponse error, String what) {
        if (error == null) {
            closeConnection(
                    pending.context() + " has no " + what + " response (acks=0); closing so the client notices",
                    "no_error_response");
            return false;
        }
        RequestHeader header = pending.header();
        return writeOrClose(pending, error.data(), header.apiVersion(), responseHeaderVersion(header));
    }

    private boolean writeOrClose(Pending pending, ApiMessage message, short version, short headerVersion) {
        try {
            write(pending, message, version, headerVersion);
            return true;
        } catch (RuntimeException e) {
            closeConnection("cannot encode the response to " + pending.context() + ": " + e, "encode_error");
            return false;
        }
    }

    private static AbstractResponse errorResponse(Pending pending, Errors error) {
        AbstractRequest request = pending.parsed();
        if (request == null) {
            RequestHeader header = pending.header();
            request = AbstractRequest.parseRequest(
                            header.apiKey(),
                            header.apiVersion(),
                            pending.bodyBuffer().duplicate())
                    .request;
        }
        return request.getErrorResponse(0, error.exception());
    }

    private static short responseHeaderVersion(RequestHeader header) {
        return header.apiKey().responseHeaderVersion(header.apiVersion());
    }

    private void write(Pending pending, ApiMessage message, short version, short headerVersion) {
        ResponseWriter.EncodedResponse encoded = ResponseWriter.encode(
                ctx.alloc(), pending.header().correlationId(), headerVersion, message, version, shared.zeroCopy());
        for (Object part : encoded.parts()) {
            ctx.write(part, ctx.voidPromise());
        }
        shared.metrics().bytesOut(encoded.sizeInBytes());
        recordLatency(pending);
    }

    private void recordLatency(Pending pending) {
        long elapsed = Math.max(0, shared.clock().millis() - pending.context().receiveTimeMs());
        shared.metrics().requestCompleted(pending.header().apiKey(), Duration.ofMillis(elapsed));
    }

    private void closeConnection(String reason, String metricReason) {
        if (closed) {
            return;
        }
        shared.metrics().connectionRejected(metricReason);
        log.warn("{} Closing connection {} from {}: {}", shared.logPrefix(), connectionId, remote(), reason);
        markClosed();
        ctx.close();
    }

    private void markClosed() {
        if (!closed) {
            closed = true;
            shared.inFlight().release(sequencer.clear());
            shared.dispatcher().forget(this);
            unread.clear();
            RequestCancellation cancellation;
            while ((cancellation = cancellations.poll()) != null) {
                cancellation.cancel();
            }
        }
    }

    /** Closes an idle connection (see the class comment); a connection with a request in flight is not idle. */
    @Override
    public void userEventTriggered(ChannelHandlerContext context, Object event) {
        if (event instanceof ConnectionAuthenticated authenticated) {
            principal = authenticated.principal();
            log.debug(
                    "{} Connection {} from {} authenticated as {}",
                    shared.logPrefix(),
                    connectionId,
                    remote(),
                    principal);
            return;
        }
        if (event instanceof IdleStateEvent idle && idle.state() == IdleState.ALL_IDLE) {
            if (!closed && sequencer.pending() == 0) {
                shared.metrics().connectionLimited("idle");
                log.debug(
                        "{} Closing connection {} from {}: no complete request and no response within"
                                + " connections.max.idle.ms",
                        shared.logPrefix(),
                        connectionId,
                        remote());
                markClosed();
                context.close();
            }
            return;
        }
        context.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug(
                    "{} I/O error on connection {} from {}: {}",
                    shared.logPrefix(),
                    connectionId,
                    remote(),
                    cause.toString());
            markClosed();
            context.close();
        } else {
            closeConnection("unexpected error: " + cause, "internal_error");
            log.debug("{} Stack trace for connection {}", shared.logPrefix(), connectionId, cause);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext context) {
        pausedByWritability = !context.channel().isWritable();
        updateAutoRead();
        context.fireChannelWritabilityChanged();
    }

    @Override
    public void pauseReading() {
        onEventLoop(() -> {
            pausedByQueue = true;
            updateAutoRead();
        });
    }

    @Override
    public void resumeReading() {
        onEventLoop(() -> {
            pausedByQueue = false;
            updateAutoRead();
        });
    }

    /** Stops reading for good (server shutdown); responses to requests already read are still written. */
    void stopReading() {
        onEventLoop(() -> {
            pausedByShutdown = true;
            updateAutoRead();
        });
    }

    private void onEventLoop(Runnable action) {
        if (ctx.executor().inEventLoop()) {
            action.run();
        } else {
            try {
                ctx.executor().execute(action);
            } catch (RejectedExecutionException e) {
                log.debug("{} Event loop of {} shut down", shared.logPrefix(), connectionId);
            }
        }
    }

    private void updateAutoRead() {
        boolean read = !(pausedByQueue || pausedByWritability || pausedByShutdown || muted);
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    private Object remote() {
        return ctx == null ? "?" : ctx.channel().remoteAddress();
    }

    @Override
    public String toString() {
        return "connection " + connectionId;
    }
}
