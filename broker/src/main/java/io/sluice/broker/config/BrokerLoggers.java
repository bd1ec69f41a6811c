package io.sluice.broker.config;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import io.sluice.metadata.config.ConfigException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * The broker's loggers and their levels, changed at run time through the {@code BROKER_LOGGER} config resource
 * ({@code kafka-configs.sh --entity-type broker-loggers}), as Kafka's {@code Log4jController} does for log4j. The
 * loggers are logback's (the broker's SLF4J binding); the root logger is named {@code root}, as in Kafka.
 *
 * <p>Levels are Kafka's names ({@code OFF FATAL ERROR WARN INFO DEBUG TRACE}, any case); logback has no FATAL, which
 * is applied as ERROR. Changes are in memory: a restart returns to the logging configuration file.
 *
 * <p>Concurrency: thread-safe (logback's logger context is).
 */
public final class BrokerLoggers {
    /** Kafka's name of the root logger. */
    public static final String ROOT = "root";

    private static final Set<String> LEVELS = Set.of("OFF", "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE");

    private final Optional<LoggerContext> context;

    private BrokerLoggers(Optional<LoggerContext> context) {
        this.context = context;
    }

    /** The loggers of this JVM's SLF4J binding (none can be changed when the binding is not logback). */
    public static BrokerLoggers current() {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        return new BrokerLoggers(
                factory instanceof LoggerContext logback ? Optional.of(logback) : Optional.<LoggerContext>empty());
    }

    /** Whether loggers can be listed and changed here (the SLF4J binding is logback). */
    public boolean available() {
        return context.isPresent();
    }

    /** Every logger with its effective level, by name ({@link #ROOT} for the root logger). */
    public Map<String, String> levels() {
        Map<String, String> out = new TreeMap<>();
        context.ifPresent(c -> {
            for (Logger logger : c.getLoggerList()) {
                out.put(kafkaName(logger.getName()), logger.getEffectiveLevel().toString());
            }
        });
        return out;
    }

    /**
     * Checks that {@code level} may be set on {@code name}.
     *
     * @throws ConfigException naming the logger for an unknown logger or level
     */
    public void checkSet(String name, String level) {
        requireLogger(name);
        if (level == null || !LEVELS.contains(level.toUpperCase(Locale.ROOT))) {
            throw new ConfigException(
                    name,
                    "Cannot set the log level of " + name + " to " + level + " as it is not a supported log"
                            + " level. Valid log levels are " + String.join(", ", LEVELS));
        }
    }

    /**
     * Checks that {@code name}'s level may be removed (so that it inherits its parent's).
     *
     * @throws ConfigException naming the logger for an unknown logger
     * @throws IllegalArgumentException for the root logger, whose level cannot be removed
     */
    public void checkUnset(String name) {
        requireLogger(name);
        if (ROOT.equals(name)) {
            throw new IllegalArgumentException("Removing the log level of the root logger is not allowed");
        }
    }

    /** Sets {@code name}'s level (after {@link #checkSet}). */
    public void set(String name, String level) {
        checkSet(name, level);
        String upper = level.toUpperCase(Locale.ROOT);
        logger(name).setLevel(Level.toLevel("FATAL".equals(upper) ? "ERROR" : upper));
    }

    /** Removes {@code name}'s own level, so that it inherits its parent's (after {@link #checkUnset}). */
    public void unset(String name) {
        checkUnset(name);
        logger(name).setLevel(null);
    }

    private void requireLogger(String name) {
        if (context.isEmpty()) {
            throw new ConfigException(name, "Broker loggers cannot be changed: the logging binding is not logback");
        }
        if (!ROOT.equals(name) && (name == null || context.get().exists(name) == null)) {
            throw new ConfigException(String.valueOf(name), "Logger " + name + " does not exist!");
        }
    }

    private Logger logger(String name) {
        return context.orElseThrow().getLogger(ROOT.equals(name) ? Logger.ROOT_LOGGER_NAME : name);
    }

    private static String kafkaName(String logbackName) {
        return Logger.ROOT_LOGGER_NAME.equals(logbackName) ? ROOT : logbackName;
    }
}
