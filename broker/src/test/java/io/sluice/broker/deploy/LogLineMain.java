package io.sluice.broker.deploy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs one INFO event through the broker's logging configuration, for {@link LogFormatTest}. */
public final class LogLineMain {
    private static final Logger log = LoggerFactory.getLogger("io.sluice.broker.server.BrokerServer");

    private LogLineMain() {}

    public static void main(String[] args) {
        log.info("[BrokerServer broker={}] started: listening on {}", 7, "PLAINTEXT://127.0.0.1:9092");
    }
}
