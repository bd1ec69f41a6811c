package io.sluice.replication.sim;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Turns the broker code's loggers off for a test class and restores their levels after it; the simulation's own
 * logger stays as configured. Thousands of steps would log hundreds of thousands of lines from the brokers, including
 * the ERROR lines with which log recovery reports the torn writes that the page-cache-loss crashes create on purpose.
 *
 * <p>Not thread-safe: JUnit calls it once before and once after the class, on one thread.
 */
final class QuietBrokerLoggers implements BeforeAllCallback, AfterAllCallback {
    private static final List<String> BROKER_LOGGERS = List.of(
            "io.sluice.replication.checkpoint",
            "io.sluice.replication.epoch",
            "io.sluice.replication.fetcher",
            "io.sluice.replication.log",
            "io.sluice.replication.partition",
            "io.sluice.replication.producer",
            "io.sluice.replication.purgatory");

    private final Map<String, Level> previousLevels = new HashMap<>();

    @Override
    public void beforeAll(ExtensionContext context) {
        for (String name : BROKER_LOGGERS) {
            Logger logger = (Logger) LoggerFactory.getLogger(name);
            previousLevels.put(name, logger.getLevel());
            logger.setLevel(Level.OFF);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        previousLevels.forEach((name, level) -> ((Logger) LoggerFactory.getLogger(name)).setLevel(level));
        previousLevels.clear();
    }
}
