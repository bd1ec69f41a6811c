package io.sluice.broker.server;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * Runs a blocking handler off the event loop while keeping the order in which one connection's requests arrived, as
 * Kafka does by processing one request per connection at a time. Needed for Produce: an idempotent producer pipelines
 * up to five requests per connection, and appending them in another order than they were sent is answered with
 * {@code OUT_OF_ORDER_SEQUENCE_NUMBER}.
 *
 * <p>The network layer calls {@link #handle} on the connection's event loop in arrival order ({@link #mayBlock()} is
 * false); the call only enqueues the request on one of {@code stripes} serial queues, chosen by the connection id, so
 * that the requests of one connection are handled one after the other on {@code pool}. Connections that share a
 * stripe are serialized against each other too; the handler's completion (for example an acks=all produce waiting in
 * the purgatory) is not waited for.
 *
 * <p>Concurrency: thread-safe; each stripe's queue is guarded by the stripe's monitor.
 */
final class ConnectionOrderedHandler<Req extends ApiMessage> implements ApiHandler<Req> {
    private final ApiHandler<Req> delegate;
    private final SerialQueue[] stripes;

    ConnectionOrderedHandler(ApiHandler<Req> delegate, Executor pool, int stripes) {
        if (stripes < 1) {
            throw new IllegalArgumentException("stripes must be at least 1, got " + stripes);
        }
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.stripes = new SerialQueue[stripes];
        for (int i = 0; i < stripes; i++) {
            this.stripes[i] = new SerialQueue(Objects.requireNonNull(pool, "pool"));
        }
    }

    @Override
    public ApiKeys apiKey() {
        return delegate.apiKey();
    }

    @Override
    public short minVersion() {
        return delegate.minVersion();
    }

    @Override
    public short maxVersion() {
        return delegate.maxVersion();
    }

    @Override
    public boolean mayBlock() {
        return false;
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, Req request) {
        CompletableFuture<ApiResponse> answer = new CompletableFuture<>();
        SerialQueue stripe = stripes[Math.floorMod(context.connectionId().hashCode(), stripes.length)];
        try {
            stripe.execute(() -> {
                try {
                    delegate.handle(context, request).whenComplete((response, error) -> {
                        if (error != null) {
                            answer.completeExceptionally(error);
                        } else {
                            answer.complete(response);
                        }
                    });
                } catch (RuntimeException | Error e) {
                    answer.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            answer.completeExceptionally(e);
        }
        return answer;
    }

    /** Runs its tasks one at a time, in submission order, on a shared pool. */
    static final class SerialQueue implements Executor {
        private final Executor pool;
        private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        private boolean running;

        SerialQueue(Executor pool) {
            this.pool = pool;
        }

        @Override
        public void execute(Runnable task) {
            synchronized (this) {
                tasks.add(task);
                if (running) {
                    return;
                }
                running = true;
            }
            try {
                pool.execute(this::drain);
            } catch (RejectedExecutionException e) {
                synchronized (this) {
                    tasks.clear();
                    running = false;
                }
                throw e;
            }
        }

        private void drain() {
            while (true) {
                Runnable next;
                synchronized (this) {
                    next = tasks.poll();
                    if (next == null) {
                        running = false;
                        return;
                    }
                }
                next.run();
            }
        }
    }
}
