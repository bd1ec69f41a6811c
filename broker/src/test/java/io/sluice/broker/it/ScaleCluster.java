package io.sluice.broker.it;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the scale ITs share: three in-JVM brokers fit for thousands of logs (1 MiB segments, 64 KiB indexes, two I/O
 * threads, no automatic leader rebalance), their topics created in one request, and log levels that keep a run with
 * thousands of partitions readable.
 */
final class ScaleCluster {
    private ScaleCluster() {}

    static InJvmCluster start() throws Exception {
        return InJvmCluster.start(
                3,
                Map.of(
                        "log.segment.bytes",
                        Integer.toString(1024 * 1024),
                        "log.index.size.max.bytes",
                        Integer.toString(64 * 1024),
                        "num.io.threads",
                        "2",
                        "auto.leader.rebalance.enable",
                        "false"));
    }

    /**
     * Creates the topics {@code prefix-0} … {@code prefix-(topics-1)} of {@code partitionsPerTopic} partitions with RF 3
     * in one request (waiting up to 300 s); returns their names.
     */
    static List<String> createTopics(InJvmCluster cluster, String prefix, int topics, int partitionsPerTopic)
            throws Exception {
        List<String> names = new ArrayList<>();
        List<NewTopic> newTopics = new ArrayList<>();
        for (int t = 0; t < topics; t++) {
            names.add(prefix + "-" + t);
            newTopics.add(new NewTopic(prefix + "-" + t, partitionsPerTopic, (short) 3));
        }
        cluster.admin()
                .createTopics(newTopics, new CreateTopicsOptions().timeoutMs(300_000))
                .all()
                .get(300, TimeUnit.SECONDS);
        return names;
    }

    /**
     * Thousands of partitions log thousands of lines per broker: while open, {@code io.sluice} logs at WARN only, the
     * test's own logger and the loggers it {@link #capture}s at INFO; closing restores the levels and detaches the
     * captures.
     */
    static final class QuietLogs implements AutoCloseable {
        private final ch.qos.logback.classic.Logger sluice = logback(LoggerFactory.getLogger("io.sluice"));
        private final List<ch.qos.logback.classic.Logger> changed = new ArrayList<>();
        private final List<Level> previous = new ArrayList<>();
        private final List<Runnable> detaches = new ArrayList<>();

        QuietLogs(Logger self) {
            set(sluice, Level.WARN);
            set(logback(self), Level.INFO);
        }

        /** Collects what {@code loggerName} logs; a logger other than {@code io.sluice} itself is raised to INFO. */
        ListAppender<ILoggingEvent> capture(String loggerName) {
            ch.qos.logback.classic.Logger logger = logback(LoggerFactory.getLogger(loggerName));
            if (logger != sluice) {
                set(logger, Level.INFO);
            }
            ListAppender<ILoggingEvent> appender = new ListAppender<>();
            appender.start();
            logger.addAppender(appender);
            detaches.add(() -> logger.detachAppender(appender));
            return appender;
        }

        private void set(ch.qos.logback.classic.Logger logger, Level level) {
            changed.add(logger);
            previous.add(logger.getLevel());
            logger.setLevel(level);
        }

        private static ch.qos.logback.classic.Logger logback(Logger logger) {
            return (ch.qos.logback.classic.Logger) logger;
        }

        @Override
        public void close() {
            detaches.forEach(Runnable::run);
            for (int i = changed.size() - 1; i >= 0; i--) {
                changed.get(i).setLevel(previous.get(i));
            }
        }
    }
}
