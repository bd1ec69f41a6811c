package io.sluice.broker.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.security.scram.ScramCredential;

/**
 * The server side of SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677) without channel binding.
 *
 * <pre>
 *   RECEIVE_CLIENT_FIRST ──client-first, credential found──► RECEIVE_CLIENT_FINAL ──proof ok──► COMPLETE
 *            └──────────────────────────── any failure ──────────────────────┴────────────────► FAILED
 * </pre>
 *
 * <p>client-first {@code n,[a=authzid],n=user,r=cnonce[,ext]}; server-first {@code r=cnonce+snonce,s=salt,i=n};
 * client-final {@code c=<base64 gs2 header>,r=nonce,p=proof}; server-final {@code v=signature}. The proof is checked
 * as {@code H(proof XOR HMAC(StoredKey, AuthMessage)) == StoredKey} in constant time. Every failure answers the same
 * message as Kafka ("invalid credentials"), so a client cannot tell an unknown user from a wrong password.
 */
final class ScramServer implements SaslMechanismServer {

    /** Looks up a user's stored credential for a mechanism. */
    interface CredentialLookup {
        CompletionStage<Optional<ScramCredential>> lookup(String user, ScramMechanism mechanism);
    }

    private enum State {
        RECEIVE_CLIENT_FIRST,
        RECEIVE_CLIENT_FINAL,
        COMPLETE,
        FAILED
    }

    private final ScramMechanism mechanism;
    private final CredentialLookup credentials;
    private final SecureRandom random;
    private State state = State.RECEIVE_CLIENT_FIRST;
    private String user;
    private String gs2Header;
    private String clientFirstBare;
    private String serverFirst;
    private String nonce;
    private ScramCredential credential;

    ScramServer(ScramMechanism mechanism, CredentialLookup credentials, SecureRandom random) {
        this.mechanism = mechanism;
        this.credentials = credentials;
        this.random = random;
    }

    @Override
    public CompletionStage<byte[]> evaluate(byte[] token) {
        String message = new String(token, StandardCharsets.UTF_8);
        try {
            return switch (state) {
                case RECEIVE_CLIENT_FIRST -> clientFirst(message);
                case RECEIVE_CLIENT_FINAL -> CompletableFuture.completedFuture(clientFinal(message));
                default -> throw invalid();
            };
        } catch (RuntimeException e) {
            state = State.FAILED;
            return CompletableFuture.failedFuture(e instanceof SaslAuthenticationException ? e : invalid());
        }
    }

    private CompletionStage<byte[]> clientFirst(String message) {
        // gs2-header: cbind-flag "," [authzid] ","
        int c1 = message.indexOf(',');
        int c2 = c1 < 0 ? -1 : message.indexOf(',', c1 + 1);
        if (c2 < 0) {
            throw invalid();
        }
        String flag = message.substring(0, c1);
        if (!flag.equals("n") && !flag.equals("y")) {
            throw new SaslAuthenticationException(
                    "Authentication failed: channel binding is not supported by " + mechanism.mechanismName());
        }
        String authzid = message.substring(c1 + 1, c2);
        gs2Header = message.substring(0, c2 + 1);
        clientFirstBare = message.substring(c2 + 1);
        String name = null;
        String clientNonce = null;
        for (String attribute : clientFirstBare.split(",")) {
            if (attribute.startsWith("n=")) {
                name = Scram.decodeSaslName(attribute.substring(2));
            } else if (attribute.startsWith("r=")) {
                clientNonce = attribute.substring(2);
            } else if (attribute.startsWith("m=")) {
                throw invalid();
            } else if (attribute.startsWith("tokenauth=") && attribute.equalsIgnoreCase("tokenauth=true")) {
                throw new SaslAuthenticationException(
                        "Authentication failed: delegation tokens are not supported by this broker");
            }
        }
        if (name == null || name.isEmpty() || clientNonce == null || clientNonce.isEmpty()) {
            throw invalid();
        }
        if (!authzid.isEmpty() && !authzid.equals("a=" + Scram.encodeSaslName(name))) {
            throw new SaslAuthenticationException(
                    "Authentication failed: Client requested an authorization id that is different from username");
        }
        user = name;
        nonce = clientNonce + Scram.nonce(random);
        return credentials.lookup(user, mechanism).thenApply(found -> {
            if (found.isEmpty()) {
                state = State.FAILED;
                throw invalid();
            }
            credential = found.get();
            serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(credential.salt()) + ",i="
                    + credential.iterations();
            state = State.RECEIVE_CLIENT_FINAL;
            return serverFirst.getBytes(StandardCharsets.UTF_8);
        });
    }

    private byte[] clientFinal(String message) {
        int proofAt = message.lastIndexOf(",p=");
        if (proofAt < 0) {
            throw invalid();
        }
        String withoutProof = message.substring(0, proofAt);
        byte[] proof = Base64.getDecoder().decode(message.substring(proofAt + 3));
        String channelBinding = null;
        String finalNonce = null;
        for (String attribute : withoutProof.split(",")) {
            if (attribute.startsWith("c=")) {
                channelBinding = attribute.substring(2);
            } else if (attribute.startsWith("r=")) {
                finalNonce = attribute.substring(2);
            }
        }
        String expectedBinding = Base64.getEncoder().encodeToString(gs2Header.getBytes(StandardCharsets.UTF_8));
        // endsWith, as Kafka checks it: librdkafka sends the client nonce again in front of the combined nonce.
        if (!expectedBinding.equals(channelBinding) || finalNonce == null || !finalNonce.endsWith(nonce)) {
            throw invalid();
        }
        byte[] authMessage =
                (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
        byte[] clientSignature = Scram.hmac(mechanism, credential.storedKey(), authMessage);
        if (proof.length != clientSignature.length) {
            throw invalid();
        }
        byte[] clientKey = Scram.xor(proof, clientSignature);
        if (!MessageDigest.isEqual(Scram.hash(mechanism, clientKey), credential.storedKey())) {
            throw invalid();
        }
        byte[] serverSignature = Scram.hmac(mechanism, credential.serverKey(), authMessage);
        state = State.COMPLETE;
        return ("v=" + Base64.getEncoder().encodeToString(serverSignature)).getBytes(StandardCharsets.UTF_8);
    }

    private SaslAuthenticationException invalid() {
        return new SaslAuthenticationException("Authentication failed during authentication due to invalid credentials"
                + " with SASL mechanism " + mechanism.mechanismName());
    }

    @Override
    public boolean isComplete() {
        return state == State.COMPLETE;
    }

    @Override
    public String authorizationId() {
        return user;
    }
}
