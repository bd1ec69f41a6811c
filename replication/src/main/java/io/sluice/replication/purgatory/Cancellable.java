package io.sluice.replication.purgatory;

/**
 * A request that may be parked in a purgatory (a long-poll fetch, an acks=all produce), as handed back to whoever
 * submitted it, so that it can be finished at once when its requester goes away (the client's connection closed)
 * instead of holding a watcher entry, a timeout and its buffers until its deadline.
 *
 * <p>Implementations are thread-safe and {@link #cancel()} is idempotent; cancelling a request that already completed
 * does nothing.
 */
@FunctionalInterface
public interface Cancellable {

    /** For requests that never wait: cancelling does nothing. */
    Cancellable NONE = () -> {};

    /** Finishes the request now if it is still waiting; its result, if any is produced, is of no use to anyone. */
    void cancel();
}
