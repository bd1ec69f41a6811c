package io.sluice.broker.network;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Releases per-connection responses strictly in request order. Requests take consecutive sequence numbers; a
 * response that completes early waits in a small map until every earlier one has been released.
 *
 * <p>Concurrency: not thread-safe; owned by the connection's event loop.
 *
 * @param <T> the completed response (or a marker for "no response")
 */
final class ResponseSequencer<T> {

    private final Map<Long, T> completed = new HashMap<>();
    private long nextSequence;
    private long nextToRelease;

    /** Assigns the next request its sequence number. */
    long register() {
        return nextSequence++;
    }

    /** Records the outcome of request {@code sequence}; each sequence completes once. */
    void complete(long sequence, T outcome) {
        Objects.requireNonNull(outcome, "outcome");
        if (sequence < nextToRelease || sequence >= nextSequence) {
            throw new IllegalStateException("sequence " + sequence + " is not pending (next to release " + nextToRelease
                    + ", next assigned " + nextSequence + ")");
        }
        if (completed.putIfAbsent(sequence, outcome) != null) {
            throw new IllegalStateException("sequence " + sequence + " completed twice");
        }
    }

    /** The next outcome in request order, or null when the oldest pending request has not completed yet. */
    T pollNext() {
        T outcome = completed.remove(nextToRelease);
        if (outcome != null) {
            nextToRelease++;
        }
        return outcome;
    }

    /** Requests registered and not yet released. */
    int pending() {
        return (int) (nextSequence - nextToRelease);
    }

    /** Forgets everything pending (the connection closed); returns how many requests were dropped. */
    int clear() {
        int dropped = pending();
        completed.clear();
        nextToRelease = nextSequence;
        return dropped;
    }
}
