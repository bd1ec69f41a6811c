package io.sluice.metadata.concurrent;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread construction for long-lived threads: a throwable that escapes a thread's body is logged at ERROR through
 * SLF4J (the JDK's default handler only prints to standard error, where nobody looks), naming the thread.
 *
 * <p>Thread-safe and stateless.
 */
public final class Threads {
    private static final Logger log = LoggerFactory.getLogger(Threads.class);

    /** Logs the throwable that ended a thread at ERROR. */
    public static final Thread.UncaughtExceptionHandler LOG_UNCAUGHT = (thread, error) -> log.error(
            "Thread {} died from an uncaught {}; the work it did has stopped",
            thread.getName(),
            error.toString(),
            error);

    private Threads() {}

    /** A new (unstarted) thread running {@code body}, whose death by an uncaught throwable is logged. */
    public static Thread newThread(String name, Runnable body, boolean daemon) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(daemon);
        thread.setUncaughtExceptionHandler(LOG_UNCAUGHT);
        return thread;
    }

    /** Daemon threads named {@code <prefix>-0}, {@code <prefix>-1}, ..., with {@link #LOG_UNCAUGHT}. */
    public static ThreadFactory daemonFactory(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return r -> newThread(prefix + "-" + counter.getAndIncrement(), r, true);
    }

    /** A daemon thread factory giving every thread the same {@code name}, for single-threaded executors. */
    public static ThreadFactory singleDaemonFactory(String name) {
        return r -> newThread(name, r, true);
    }

    /**
     * Whether {@code t} is a heap exhaustion, which says nothing about the work that happened to allocate: a loop
     * retries that work in its normal course instead of blaming it (see the package comment).
     */
    public static boolean isResourceExhaustion(Throwable t) {
        return t instanceof OutOfMemoryError;
    }
}
