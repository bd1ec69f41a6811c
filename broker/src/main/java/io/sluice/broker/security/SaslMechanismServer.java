package io.sluice.broker.security;

import java.util.concurrent.CompletionStage;

/**
 * The server side of one SASL mechanism for one connection: a challenge-response exchange driven by the client's
 * tokens.
 *
 * <p>Concurrency: used by one connection, one token at a time.
 */
interface SaslMechanismServer {

    /**
     * Evaluates the client's next token; the stage completes with the token to send back, or fails with a
     * {@link org.apache.kafka.common.errors.SaslAuthenticationException} whose message the client may see.
     */
    CompletionStage<byte[]> evaluate(byte[] token);

    /** Whether the exchange completed successfully. */
    boolean isComplete();

    /** The authenticated user name; valid once {@link #isComplete()}. */
    String authorizationId();
}
