package io.sluice.metadata.concurrent;

import java.util.Objects;

/**
 * What a component reports about one of its long-lived threads (or a scheduler standing for its pool): its name and
 * whether it is alive. Components report only the threads they expect to be running, so {@code alive == false} means
 * the thread died while its owner was running.
 *
 * @param name the thread's name, e.g. {@code ReplicaFetcherThread-0-2}
 * @param alive whether it is running
 */
public record ThreadStatus(String name, boolean alive) {

    public ThreadStatus {
        Objects.requireNonNull(name, "name");
    }

    /** The status of {@code thread} now. */
    public static ThreadStatus of(Thread thread) {
        return new ThreadStatus(thread.getName(), thread.isAlive());
    }
}
