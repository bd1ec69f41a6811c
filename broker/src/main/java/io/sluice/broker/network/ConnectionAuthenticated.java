package io.sluice.broker.network;

import java.util.Objects;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * The user event an authentication handler fires through the pipeline once a connection's peer is known; the request
 * handler then attaches {@code principal} to every later request's context.
 *
 * @param principal who the connection speaks for
 */
public record ConnectionAuthenticated(KafkaPrincipal principal) {
    public ConnectionAuthenticated {
        Objects.requireNonNull(principal, "principal");
    }
}
