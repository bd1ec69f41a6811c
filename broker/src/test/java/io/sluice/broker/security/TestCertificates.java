package io.sluice.broker.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test certificates made with the JDK's {@code keytool}: a CA, a broker key store (PKCS12) whose certificate the CA
 * signed for {@code 127.0.0.1} and {@code localhost}, a trust store holding the CA, the CA as PEM (for librdkafka), and
 * a second, unrelated CA's trust store (a client that trusts it must fail the handshake). EC P-256 keys, valid for two
 * days.
 *
 * @param brokerKeyStore PKCS12 key store with the broker's key and chain
 * @param trustStore PKCS12 trust store with the CA
 * @param caPem the CA certificate in PEM
 * @param untrustedTrustStore PKCS12 trust store with another CA
 * @param password the password of every store and key
 */
public record TestCertificates(
        Path brokerKeyStore, Path trustStore, Path caPem, Path untrustedTrustStore, String password) {

    /** Generates everything into {@code dir}. */
    public static TestCertificates generate(Path dir) throws IOException, InterruptedException {
        String pw = "test-secret";
        Path ca = dir.resolve("ca.p12");
        Path caPem = dir.resolve("ca.pem");
        Path broker = dir.resolve("broker.p12");
        Path trust = dir.resolve("truststore.p12");
        Path otherCa = dir.resolve("other-ca.p12");
        Path otherPem = dir.resolve("other-ca.pem");
        Path untrusted = dir.resolve("untrusted-truststore.p12");
        genKeyPair(ca, pw, "ca", "CN=sluice-test-ca", "-ext", "bc:c");
        exportCert(ca, pw, "ca", caPem);
        Path signed = signedKeyPair(
                ca, broker, pw, "broker", "CN=localhost,OU=brokers", "-ext", "san=ip:127.0.0.1,dns:localhost");
        importCert(broker, pw, "ca", caPem);
        importCert(broker, pw, "broker", signed);
        importCert(trust, pw, "ca", caPem);
        genKeyPair(otherCa, pw, "other", "CN=someone-else", "-ext", "bc:c");
        exportCert(otherCa, pw, "other", otherPem);
        importCert(untrusted, pw, "other", otherPem);
        return new TestCertificates(broker, trust, caPem, untrusted, pw);
    }

    /** A new EC P-256 key pair, valid for two days, under {@code alias} in the PKCS12 store {@code store}. */
    private static void genKeyPair(Path store, String pw, String alias, String dname, String... extra)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(
                List.of("-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname));
        args.addAll(List.of(extra));
        args.addAll(List.of(
                "-validity",
                "2",
                "-keystore",
                store.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                pw,
                "-keypass",
                pw));
        keytool(args.toArray(String[]::new));
    }

    /**
     * A new key pair under {@code alias} in {@code store} (see {@link #genKeyPair}) whose certificate the CA in {@code
     * ca} signed, valid for two days; the request and the signed certificate (PEM, returned) are written next to the
     * store as {@code <alias>.csr} and {@code <alias>.pem}. {@code gencertExtra} are further {@code -gencert} options.
     */
    private static Path signedKeyPair(
            Path ca, Path store, String pw, String alias, String dname, String... gencertExtra)
            throws IOException, InterruptedException {
        Path csr = store.resolveSibling(alias + ".csr");
        Path signed = store.resolveSibling(alias + ".pem");
        genKeyPair(store, pw, alias, dname);
        keytool("-certreq", "-alias", alias, "-keystore", store.toString(), "-storepass", pw, "-file", csr.toString());
        List<String> args = new ArrayList<>(List.of(
                "-gencert",
                "-alias",
                "ca",
                "-keystore",
                ca.toString(),
                "-storepass",
                pw,
                "-infile",
                csr.toString(),
                "-outfile",
                signed.toString(),
                "-rfc"));
        args.addAll(List.of(gencertExtra));
        args.addAll(List.of("-validity", "2"));
        keytool(args.toArray(String[]::new));
        return signed;
    }

    /** Writes the certificate under {@code alias} in {@code store} to {@code pem}. */
    private static void exportCert(Path store, String pw, String alias, Path pem)
            throws IOException, InterruptedException {
        keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                alias,
                "-keystore",
                store.toString(),
                "-storepass",
                pw,
                "-file",
                pem.toString());
    }

    /** Imports the certificate(s) in {@code file} under {@code alias} into the PKCS12 store {@code store}. */
    private static void importCert(Path store, String pw, String alias, Path file)
            throws IOException, InterruptedException {
        keytool(
                "-importcert",
                "-alias",
                alias,
                "-file",
                file.toString(),
                "-keystore",
                store.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                pw,
                "-noprompt");
    }

    /**
     * A client key store (PKCS12, password {@link #password}) with a key whose certificate the CA signed for subject
     * {@code dname} (e.g. {@code CN=alice,OU=payments,O=Sluice}), generated next to the broker's key store as
     * {@code <name>.p12}.
     */
    public Path clientKeyStore(String name, String dname) throws IOException, InterruptedException {
        Path ca = brokerKeyStore.resolveSibling("ca.p12");
        Path store = brokerKeyStore.resolveSibling(name + ".p12");
        Path signed = signedKeyPair(ca, store, password, name, dname);
        importCert(store, password, "ca", caPem);
        importCert(store, password, name, signed);
        return store;
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("keytool did not finish: " + command);
        }
        if (process.exitValue() != 0) {
            throw new IOException("keytool failed (" + process.exitValue() + "): " + command + "\n"
                    + new String(output, StandardCharsets.UTF_8));
        }
    }

    /** Client properties for TLS with this CA trusted ({@code ssl.truststore.*}). */
    public java.util.Map<String, Object> trustingClient() {
        return java.util.Map.of(
                "ssl.truststore.location",
                trustStore.toString(),
                "ssl.truststore.password",
                password,
                "ssl.truststore.type",
                "PKCS12");
    }

    /** Broker properties for a TLS listener with this key store and trust store. */
    public java.util.Map<String, String> brokerStores() {
        return java.util.Map.of(
                "ssl.keystore.location",
                brokerKeyStore.toString(),
                "ssl.keystore.password",
                password,
                "ssl.keystore.type",
                "PKCS12",
                "ssl.key.password",
                password,
                "ssl.truststore.location",
                trustStore.toString(),
                "ssl.truststore.password",
                password,
                "ssl.truststore.type",
                "PKCS12");
    }

    /** Whether the file exists (for assertions on generation). */
    boolean complete() {
        return Files.exists(brokerKeyStore) && Files.exists(trustStore) && Files.exists(caPem);
    }
}
