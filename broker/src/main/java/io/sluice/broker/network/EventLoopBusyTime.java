package io.sluice.broker.network;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;

/**
 * The CPU time of the network threads (the Netty event loops that read requests and write responses), for the
 * network threads' busy ratio: {@code rate(busy seconds) / threads}; Kafka's {@code NetworkProcessorAvgIdlePercent}
 * is one minus it. An event loop waiting in {@code epoll_wait}/{@code select} uses no CPU, so CPU time is the time
 * it spent decoding, encoding, reading and writing; a loop stalled on a lock (which it should never be) or waiting
 * for a core on an overloaded machine counts as idle.
 *
 * <p>The threads are recorded as the {@link #recording} factory creates them. A thread's last known CPU time is kept
 * after it ends, so the total never decreases. Where the JVM cannot measure thread CPU time the total stays 0.
 *
 * <p>Concurrency: thread-safe; {@link #busyNanos()} is synchronized (it may be read by concurrent scrapes).
 */
final class EventLoopBusyTime {
    private final ThreadMXBean threadBean;
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final Map<Thread, Long> lastCpuNanos = new ConcurrentHashMap<>();

    EventLoopBusyTime() {
        this(ManagementFactory.getThreadMXBean());
    }

    EventLoopBusyTime(ThreadMXBean threadBean) {
        this.threadBean = threadBean;
    }

    /** A factory that creates threads with {@code delegate} and records them. */
    ThreadFactory recording(ThreadFactory delegate) {
        return runnable -> {
            Thread thread = delegate.newThread(runnable);
            threads.add(thread);
            return thread;
        };
    }

    /** The threads recorded so far. */
    int threads() {
        return threads.size();
    }

    /** CPU time used by the recorded threads since they started, in nanoseconds. */
    synchronized long busyNanos() {
        if (!threadBean.isThreadCpuTimeSupported() || !threadBean.isThreadCpuTimeEnabled()) {
            return 0;
        }
        long total = 0;
        for (Thread thread : threads) {
            long cpu = thread.isAlive() ? threadBean.getThreadCpuTime(thread.getId()) : -1;
            if (cpu >= 0) {
                lastCpuNanos.put(thread, cpu);
            }
            total += lastCpuNanos.getOrDefault(thread, 0L);
        }
        return total;
    }
}
