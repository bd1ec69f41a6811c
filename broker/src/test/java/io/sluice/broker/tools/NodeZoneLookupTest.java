package io.sluice.broker.tools;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The rack lookup against a local HTTPS "API server" whose certificate the test generates with keytool. */
@Timeout(120)
class NodeZoneLookupTest {
    private static final String TOKEN = "sa-token-123";
    private static final String PASSWORD = "changeit";

    @TempDir
    Path dir;

    private HttpsServer server;
    private Path caFile;
    private Path tokenFile;

    @BeforeEach
    void startApiServer() throws Exception {
        Path keystore = dir.resolve("api.p12");
        keytool(
                "-genkeypair",
                "-alias",
                "api",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=kube-apiserver",
                "-ext",
                "SAN=ip:127.0.0.1",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                keystore.toString(),
                "-storepass",
                PASSWORD,
                "-keypass",
                PASSWORD);
        caFile = dir.resolve("ca.crt");
        keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                "api",
                "-keystore",
                keystore.toString(),
                "-storepass",
                PASSWORD,
                "-file",
                caFile.toString());
        tokenFile = Files.writeString(dir.resolve("token"), TOKEN + "\n");

        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASSWORD.toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);

        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        Map<String, String> nodes = Map.of(
                "/api/v1/nodes/node-a",
                "{\"metadata\":{\"name\":\"node-a\",\"labels\":{\"topology.kubernetes.io/zone\":\"eu-west-1a\","
                        + "\"kubernetes.io/hostname\":\"node-a\"}}}",
                "/api/v1/nodes/node-b",
                "{\"metadata\":{\"name\":\"node-b\",\"labels\":{\"kubernetes.io/hostname\":\"node-b\"}}}");
        server.createContext("/", exchange -> {
            String body = nodes.get(exchange.getRequestURI().getPath());
            int status = 200;
            if (!("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                status = 401;
                body = "{\"kind\":\"Status\",\"reason\":\"Unauthorized\"}";
            } else if (body == null) {
                status = 404;
                body = "{\"kind\":\"Status\",\"reason\":\"NotFound\"}";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void writesTheZoneLabelOfTheNode() throws Exception {
        Path out = dir.resolve("rack/zone");
        Result r = lookup("--node", "node-a", "--output", out.toString());
        assertThat(r.code).as(r.err).isZero();
        assertThat(Files.readString(out)).isEqualTo("eu-west-1a\n");
    }

    @Test
    void aNodeWithoutTheLabelGivesAnEmptyZone() throws Exception {
        Path out = dir.resolve("zone");
        Result r = lookup("--node", "node-b", "--output", out.toString());
        assertThat(r.code).as(r.err).isZero();
        assertThat(Files.readString(out)).isEqualTo("\n");
    }

    @Test
    void refusalsAndUntrustedServersFail() throws Exception {
        Path out = dir.resolve("zone");
        assertThat(lookup("--node", "nowhere", "--output", out.toString()).err).contains("HTTP 404");
        Files.writeString(tokenFile, "wrong");
        Result refused = lookup("--node", "node-a", "--output", out.toString());
        assertThat(refused.code).isEqualTo(1);
        assertThat(refused.err).contains("HTTP 401");
        Files.writeString(tokenFile, TOKEN);

        // A CA that did not sign the server's certificate: the TLS handshake must fail.
        Path otherKeystore = dir.resolve("other.p12");
        keytool(
                "-genkeypair",
                "-alias",
                "other",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=other",
                "-ext",
                "SAN=ip:127.0.0.1",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                otherKeystore.toString(),
                "-storepass",
                PASSWORD,
                "-keypass",
                PASSWORD);
        keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                "other",
                "-keystore",
                otherKeystore.toString(),
                "-storepass",
                PASSWORD,
                "-file",
                caFile.toString());
        Result untrusted = lookup("--node", "node-a", "--output", out.toString());
        assertThat(untrusted.code).isEqualTo(1);
        assertThat(out).doesNotExist();
    }

    @Test
    void usageErrorsExitTwoAndTheInClusterDefaultNeedsTheServiceHost() {
        assertThat(NodeZoneLookup.run(new String[] {"--output", "x"}, Map.of(), quiet(), quiet()))
                .isEqualTo(2);
        assertThat(NodeZoneLookup.run(new String[] {"--node", "n", "--output", "x"}, Map.of(), quiet(), quiet()))
                .isEqualTo(2);
        assertThat(NodeZoneLookup.run(new String[] {"--bogus"}, Map.of(), quiet(), quiet()))
                .isEqualTo(2);
    }

    private record Result(int code, String err) {}

    private Result lookup(String... args) {
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(List.of(
                "--api-server",
                "https://127.0.0.1:" + server.getAddress().getPort(),
                "--token-file",
                tokenFile.toString(),
                "--ca-file",
                caFile.toString(),
                "--timeout-ms",
                "10000"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = NodeZoneLookup.run(
                all.toArray(String[]::new), Map.of(), quiet(), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, err.toString(StandardCharsets.UTF_8));
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("keytool finished").isTrue();
        assertThat(p.exitValue()).as(output).isZero();
    }
}
