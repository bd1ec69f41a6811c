package io.sluice.broker.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.errors.SaslAuthenticationException;

/**
 * SASL/PLAIN (RFC 4616) against the users of the listener's PLAIN JAAS configuration ({@code user_<name>="<password>"}
 * options of {@code PlainLoginModule}). The single client token is {@code [authzid] NUL authcid NUL passwd}; an authzid
 * other than the authcid is refused, as Kafka does.
 */
final class PlainServer implements SaslMechanismServer {
    private final Map<String, String> passwords;
    private String user;

    /** @param passwords user name → password */
    PlainServer(Map<String, String> passwords) {
        this.passwords = passwords;
    }

    @Override
    public CompletionStage<byte[]> evaluate(byte[] token) {
        if (user != null) {
            return CompletableFuture.failedFuture(
                    new SaslAuthenticationException("Authentication failed: PLAIN takes a single token"));
        }
        String message = new String(token, StandardCharsets.UTF_8);
        int first = message.indexOf('\0');
        int second = first < 0 ? -1 : message.indexOf('\0', first + 1);
        if (first < 0 || second < 0 || message.indexOf('\0', second + 1) >= 0) {
            return CompletableFuture.failedFuture(new SaslAuthenticationException(
                    "Authentication failed: PLAIN token must be [authzid] NUL user NUL password"));
        }
        String authzid = message.substring(0, first);
        String username = message.substring(first + 1, second);
        String password = message.substring(second + 1);
        if (username.isEmpty() || password.isEmpty()) {
            return CompletableFuture.failedFuture(
                    new SaslAuthenticationException("Authentication failed: username or password not specified"));
        }
        String expected = passwords.get(username);
        if (expected == null
                || !MessageDigest.isEqual(
                        expected.getBytes(StandardCharsets.UTF_8), password.getBytes(StandardCharsets.UTF_8))) {
            return CompletableFuture.failedFuture(
                    new SaslAuthenticationException("Authentication failed: Invalid username or password"));
        }
        if (!authzid.isEmpty() && !authzid.equals(username)) {
            return CompletableFuture.failedFuture(new SaslAuthenticationException(
                    "Authentication failed: Client requested an authorization id that is different from username"));
        }
        user = username;
        return CompletableFuture.completedFuture(new byte[0]);
    }

    @Override
    public boolean isComplete() {
        return user != null;
    }

    @Override
    public String authorizationId() {
        return user;
    }
}
