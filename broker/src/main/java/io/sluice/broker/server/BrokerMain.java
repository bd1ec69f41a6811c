package io.sluice.broker.server;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.metadata.concurrent.Threads;
import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.config.ConfigException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's command-line entry point: {@code bin/sluice-broker CONFIG [--override key=value ...]}.
 *
 * <p>Loads the properties file, applies the overrides (later ones win), validates, starts a {@link BrokerServer} with
 * a Prometheus meter registry and waits until it stops. A shutdown hook (SIGTERM, SIGINT) runs the broker's shutdown,
 * with controlled shutdown if {@code controlled.shutdown.enable}.
 *
 * <p>Exit codes:
 *
 * <ul>
 *   <li>{@code 0}: the broker stopped after a signal (SIGTERM / SIGINT) or a normal shutdown;
 *   <li>{@code 1}: the broker failed to start (for example a duplicate {@code broker.id}, a port in use, ZooKeeper
 *       unreachable, an unreadable log dir) or stopped on a fatal error; the reason is printed to stderr;
 *   <li>{@code 2}: bad usage or invalid configuration: {@code Invalid configuration: <message naming the key>} on
 *       stderr.
 * </ul>
 *
 * <p>Concurrency: {@link #run} is called once, from {@code main}; the shutdown hook runs on its own thread and, after
 * a signal, ends the JVM with the code {@link #run} hands it (the JVM's own status would be {@code 128 + signal}).
 */
public final class BrokerMain {
    private static final Logger log = LoggerFactory.getLogger(BrokerMain.class);

    static final int EXIT_OK = 0;
    static final int EXIT_STARTUP_FAILED = 1;
    static final int EXIT_INVALID_CONFIG = 2;

    /** How long the shutdown hook waits for {@link #run} to compute the exit code after the broker stopped. */
    private static final long SIGNAL_EXIT_WAIT_SECONDS = 10;

    private static final String USAGE = "Usage: sluice-broker CONFIG [--override key=value ...]";

    private BrokerMain() {}

    public static void main(String[] args) {
        // a thread ended by an uncaught throwable is logged at ERROR (the JDK only prints it to stderr)
        Thread.setDefaultUncaughtExceptionHandler(Threads.LOG_UNCAUGHT);
        System.exit(run(args, System.err));
    }

    /** Runs a broker until it stops; returns the process exit code. */
    static int run(String[] args, PrintStream err) {
        BrokerConfig config;
        try {
            config = parse(args);
        } catch (UsageException e) {
            err.println(e.getMessage());
            err.println(USAGE);
            return EXIT_INVALID_CONFIG;
        } catch (ConfigException e) {
            err.println("Invalid configuration: " + e.getMessage());
            return EXIT_INVALID_CONFIG;
        } catch (IOException e) {
            err.println("Cannot read the configuration file: " + e.getMessage());
            return EXIT_INVALID_CONFIG;
        }
        BrokerServer server =
                new BrokerServer(config, Clock.systemUTC(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        try {
            server.startup();
        } catch (BrokerStartupException e) {
            err.println("Broker " + config.brokerId() + " failed to start: " + rootMessage(e));
            log.error("Startup of broker {} failed", config.brokerId(), e);
            return EXIT_STARTUP_FAILED;
        }
        CompletableFuture<Integer> exitCode = new CompletableFuture<>();
        Thread hook = new Thread(() -> shutdownOnSignal(server, exitCode), "sluice-shutdown-hook");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            server.awaitShutdown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdown();
        }
        int code = EXIT_OK;
        if (server.fatalError().isPresent()) {
            err.println("Broker " + config.brokerId() + " stopped on a fatal error: "
                    + server.fatalError().get().getMessage());
            code = EXIT_STARTUP_FAILED;
        }
        err.flush();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException signalled) {
            // the JVM is already exiting (SIGTERM / SIGINT): the hook ends it with this code
        }
        exitCode.complete(code);
        return code;
    }

    /**
     * The shutdown hook: stops the broker, then ends the JVM with the code {@link #run} computed. A JVM that exits
     * because of a signal would otherwise report {@code 128 + signal} (and {@code System.exit} in {@code main} blocks
     * once shutdown has begun), whereas a broker stopped cleanly by SIGTERM exits {@code 0}.
     */
    private static void shutdownOnSignal(BrokerServer server, CompletableFuture<Integer> exitCode) {
        server.shutdown();
        int code;
        try {
            code = exitCode.get(SIGNAL_EXIT_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            code = EXIT_STARTUP_FAILED;
        } catch (ExecutionException | TimeoutException e) {
            code = EXIT_STARTUP_FAILED;
        }
        Runtime.getRuntime().halt(code);
    }

    /**
     * Parses {@code CONFIG [--override key=value ...]} into a validated config.
     *
     * @throws UsageException for malformed arguments
     * @throws ConfigException naming the key of an invalid value
     * @throws IOException if the file cannot be read
     */
    static BrokerConfig parse(String[] args) throws IOException {
        if (args.length == 0) {
            throw new UsageException("Missing the configuration file argument.");
        }
        Map<String, String> overrides = new LinkedHashMap<>();
        List<String> rest = List.of(args).subList(1, args.length);
        for (int i = 0; i < rest.size(); i++) {
            if (!"--override".equals(rest.get(i)) || i + 1 >= rest.size()) {
                throw new UsageException("Unexpected argument '" + rest.get(i) + "'.");
            }
            String pair = rest.get(++i);
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("An override must look like key=value, got '" + pair + "'.");
            }
            overrides.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        BrokerConfig fromFile = BrokerConfig.fromFile(Path.of(args[0]));
        BrokerConfig config = overrides.isEmpty() ? fromFile : fromFile.withOverrides(overrides);
        BrokerConfigMapping.networkConfig(config); // listener checks the broker config cannot make on its own
        return config;
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause == e ? e.getMessage() : cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    /** Malformed command-line arguments. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
