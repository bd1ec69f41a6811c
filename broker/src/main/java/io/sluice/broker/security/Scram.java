package io.sluice.broker.security;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.common.security.scram.ScramCredential;

/**
 * The SCRAM arithmetic of RFC 5802 (SHA-256 and SHA-512 per RFC 7677) on the JDK's {@link Mac} and
 * {@link MessageDigest}: {@code SaltedPassword = Hi(password, salt, i)}, {@code ClientKey = HMAC(SaltedPassword,
 * "Client Key")}, {@code StoredKey = H(ClientKey)}, {@code ServerKey = HMAC(SaltedPassword, "Server Key")}, and the
 * stored form Kafka writes in ZooKeeper: {@code salt=<b64>,stored_key=<b64>,server_key=<b64>,iterations=<n>}.
 *
 * <p>Thread-safety: stateless.
 */
public final class Scram {
    private Scram() {}

    /** Kafka's bounds for a credential's iteration count. */
    public static final int MIN_ITERATIONS = 4096;

    public static final int MAX_ITERATIONS = 16384;

    /** The mechanism named {@code name} ({@code SCRAM-SHA-256}, {@code SCRAM-SHA-512}), if it is one. */
    public static Optional<ScramMechanism> mechanism(String name) {
        ScramMechanism m = ScramMechanism.fromMechanismName(name.toUpperCase(Locale.ROOT));
        return m == ScramMechanism.UNKNOWN ? Optional.empty() : Optional.of(m);
    }

    static String macAlgorithm(ScramMechanism mechanism) {
        return mechanism == ScramMechanism.SCRAM_SHA_256 ? "HmacSHA256" : "HmacSHA512";
    }

    static String hashAlgorithm(ScramMechanism mechanism) {
        return mechanism == ScramMechanism.SCRAM_SHA_256 ? "SHA-256" : "SHA-512";
    }

    static byte[] hmac(ScramMechanism mechanism, byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance(macAlgorithm(mechanism));
            mac.init(new SecretKeySpec(key, mac.getAlgorithm()));
            return mac.doFinal(data);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("JDK lacks " + macAlgorithm(mechanism), e);
        }
    }

    static byte[] hash(ScramMechanism mechanism, byte[] data) {
        try {
            return MessageDigest.getInstance(hashAlgorithm(mechanism)).digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JDK lacks " + hashAlgorithm(mechanism), e);
        }
    }

    /** {@code Hi(password, salt, iterations)} of RFC 5802 (PBKDF2 with the mechanism's HMAC, one block). */
    public static byte[] saltedPassword(ScramMechanism mechanism, String password, byte[] salt, int iterations) {
        byte[] key = password.getBytes(StandardCharsets.UTF_8);
        byte[] first = new byte[salt.length + 4];
        System.arraycopy(salt, 0, first, 0, salt.length);
        first[salt.length + 3] = 1;
        byte[] u = hmac(mechanism, key, first);
        byte[] result = u.clone();
        for (int i = 1; i < iterations; i++) {
            u = hmac(mechanism, key, u);
            xorInto(result, u);
        }
        return result;
    }

    static byte[] clientKey(ScramMechanism mechanism, byte[] saltedPassword) {
        return hmac(mechanism, saltedPassword, "Client Key".getBytes(StandardCharsets.US_ASCII));
    }

    static byte[] serverKey(ScramMechanism mechanism, byte[] saltedPassword) {
        return hmac(mechanism, saltedPassword, "Server Key".getBytes(StandardCharsets.US_ASCII));
    }

    /** The credential a server stores for a salted password (what AlterUserScramCredentials sends). */
    public static ScramCredential credential(
            ScramMechanism mechanism, byte[] salt, byte[] saltedPassword, int iterations) {
        byte[] storedKey = hash(mechanism, clientKey(mechanism, saltedPassword));
        return new ScramCredential(salt, storedKey, serverKey(mechanism, saltedPassword), iterations);
    }

    /** A credential for {@code password} with a fresh random salt. */
    public static ScramCredential credential(
            ScramMechanism mechanism, String password, int iterations, SecureRandom random) {
        byte[] salt = new byte[32];
        random.nextBytes(salt);
        return credential(mechanism, salt, saltedPassword(mechanism, password, salt, iterations), iterations);
    }

    static void xorInto(byte[] target, byte[] other) {
        for (int i = 0; i < target.length; i++) {
            target[i] ^= other[i];
        }
    }

    static byte[] xor(byte[] a, byte[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("length mismatch: " + a.length + " vs " + b.length);
        }
        byte[] out = a.clone();
        xorInto(out, b);
        return out;
    }

    /** Kafka's stored form: {@code salt=…,stored_key=…,server_key=…,iterations=…} (base64, standard alphabet). */
    public static String encode(ScramCredential credential) {
        Base64.Encoder b64 = Base64.getEncoder();
        return "salt=" + b64.encodeToString(credential.salt()) + ",stored_key="
                + b64.encodeToString(credential.storedKey()) + ",server_key="
                + b64.encodeToString(credential.serverKey()) + ",iterations=" + credential.iterations();
    }

    /**
     * Parses Kafka's stored form.
     *
     * @throws IllegalArgumentException if a field is missing or malformed
     */
    public static ScramCredential decode(String stored) {
        byte[] salt = null;
        byte[] storedKey = null;
        byte[] serverKey = null;
        Integer iterations = null;
        for (String part : stored.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("malformed SCRAM credential field '" + part + "'");
            }
            String name = part.substring(0, eq);
            String value = part.substring(eq + 1);
            switch (name) {
                case "salt" -> salt = Base64.getDecoder().decode(value);
                case "stored_key" -> storedKey = Base64.getDecoder().decode(value);
                case "server_key" -> serverKey = Base64.getDecoder().decode(value);
                case "iterations" -> iterations = Integer.parseInt(value);
                default -> {
                    // Unknown fields are ignored, as Kafka does.
                }
            }
        }
        if (salt == null || storedKey == null || serverKey == null || iterations == null) {
            throw new IllegalArgumentException("SCRAM credential lacks salt, stored_key, server_key or iterations");
        }
        return new ScramCredential(salt, storedKey, serverKey, iterations);
    }

    /** A printable client or server nonce (base64 of random bytes, no ',' and no '='). */
    static String nonce(SecureRandom random) {
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** RFC 5802 saslname decoding: {@code =2C} is ',' and {@code =3D} is '='; any other '=' is invalid. */
    static String decodeSaslName(String name) {
        for (int i = name.indexOf('='); i >= 0; i = name.indexOf('=', i + 1)) {
            if (!name.startsWith("=2C", i) && !name.startsWith("=3D", i)) {
                throw new IllegalArgumentException("invalid saslname escape in '" + name + "'");
            }
        }
        return name.replace("=2C", ",").replace("=3D", "=");
    }

    /** RFC 5802 saslname encoding. */
    static String encodeSaslName(String name) {
        return name.replace("=", "=3D").replace(",", "=2C");
    }
}
