package io.sluice.broker.security;

import io.sluice.broker.network.client.ClientSecurity;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.common.errors.SaslAuthenticationException;

/**
 * The client side of SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802) for the broker's own connections: client-first
 * {@code n,,n=user,r=cnonce}, then the proof for the server-first message, then verification of the server's signature.
 *
 * <p>Not thread-safe: one exchange on one event loop.
 */
final class ScramClient implements ClientSecurity.SaslClientMechanism {
    private static final String GS2_HEADER = "n,,";

    private final ScramMechanism mechanism;
    private final String user;
    private final String password;
    private final String clientNonce;
    private String clientFirstBare;
    private byte[] expectedServerSignature;

    ScramClient(ScramMechanism mechanism, String user, String password, String clientNonce) {
        this.mechanism = mechanism;
        this.user = user;
        this.password = password;
        this.clientNonce = clientNonce;
    }

    @Override
    public byte[] initialResponse() {
        clientFirstBare = "n=" + Scram.encodeSaslName(user) + ",r=" + clientNonce;
        return (GS2_HEADER + clientFirstBare).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] evaluate(byte[] challenge) {
        String message = new String(challenge, StandardCharsets.UTF_8);
        if (expectedServerSignature == null) {
            return clientFinal(message);
        }
        if (message.startsWith("e=")) {
            throw new SaslAuthenticationException("SCRAM server error: " + message.substring(2));
        }
        if (!message.startsWith("v=")
                || !MessageDigest.isEqual(Base64.getDecoder().decode(message.substring(2)), expectedServerSignature)) {
            throw new SaslAuthenticationException("SCRAM server signature does not verify");
        }
        return null;
    }

    private byte[] clientFinal(String serverFirst) {
        String nonce = null;
        byte[] salt = null;
        int iterations = -1;
        for (String attribute : serverFirst.split(",")) {
            if (attribute.startsWith("r=")) {
                nonce = attribute.substring(2);
            } else if (attribute.startsWith("s=")) {
                salt = Base64.getDecoder().decode(attribute.substring(2));
            } else if (attribute.startsWith("i=")) {
                iterations = Integer.parseInt(attribute.substring(2));
            }
        }
        if (nonce == null || !nonce.startsWith(clientNonce) || salt == null || iterations < 1) {
            throw new SaslAuthenticationException("Invalid SCRAM server-first message");
        }
        byte[] salted = Scram.saltedPassword(mechanism, password, salt, iterations);
        String withoutProof =
                "c=" + Base64.getEncoder().encodeToString(GS2_HEADER.getBytes(StandardCharsets.UTF_8)) + ",r=" + nonce;
        byte[] authMessage =
                (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
        byte[] clientKey = Scram.clientKey(mechanism, salted);
        byte[] signature = Scram.hmac(mechanism, Scram.hash(mechanism, clientKey), authMessage);
        byte[] proof = Scram.xor(clientKey, signature);
        expectedServerSignature = Scram.hmac(mechanism, Scram.serverKey(mechanism, salted), authMessage);
        return (withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)).getBytes(StandardCharsets.UTF_8);
    }
}
