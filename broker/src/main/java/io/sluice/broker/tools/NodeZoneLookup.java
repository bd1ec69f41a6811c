package io.sluice.broker.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Reads one label (default {@code topology.kubernetes.io/zone}) of a Kubernetes node from the API server and writes
 * its value to a file: the broker pod's rack lookup, run from the broker image itself as an init container (the
 * downward API cannot expose node labels).
 *
 * <pre>
 * sluice-run-class io.sluice.broker.tools.NodeZoneLookup --node NAME --output FILE [--label KEY]
 *     [--api-server URL] [--token-file FILE] [--ca-file FILE] [--timeout-ms MS]
 * </pre>
 *
 * <p>Defaults are the in-cluster ones: {@code https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT}, the pod's
 * service-account token and CA under {@code /var/run/secrets/kubernetes.io/serviceaccount/}. The request is {@code
 * GET /api/v1/nodes/NAME} with the token as bearer (RBAC: {@code get nodes}). A node without the label gives an empty
 * file (the broker then has no rack).
 *
 * <p>Exit codes: {@code 0} file written; {@code 1} the API server could not be asked or refused; {@code 2} usage error.
 */
public final class NodeZoneLookup {
    static final String DEFAULT_LABEL = "topology.kubernetes.io/zone";
    static final String SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
    static final String USAGE = """
            Usage: NodeZoneLookup --node NAME --output FILE [--label KEY] [--api-server URL]
                                  [--token-file FILE] [--ca-file FILE] [--timeout-ms MS]

            Writes the value of the node's label KEY (default topology.kubernetes.io/zone; empty when the
            node has none) to FILE, read from the Kubernetes API server with the pod's service account.
            Defaults: --api-server https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT,
            --token-file and --ca-file from /var/run/secrets/kubernetes.io/serviceaccount/.

            Exit codes: 0 written, 1 lookup failed, 2 usage error.
            """;

    private NodeZoneLookup() {}

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        String node = null;
        String output = null;
        String label = DEFAULT_LABEL;
        String apiServer = null;
        String tokenFile = SERVICE_ACCOUNT_DIR + "/token";
        String caFile = SERVICE_ACCOUNT_DIR + "/ca.crt";
        long timeoutMs = 10_000;
        try {
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--help", "-h" -> {
                        out.print(USAGE);
                        return 0;
                    }
                    case "--node" -> node = value(args, ++i, arg);
                    case "--output" -> output = value(args, ++i, arg);
                    case "--label" -> label = value(args, ++i, arg);
                    case "--api-server" -> apiServer = value(args, ++i, arg);
                    case "--token-file" -> tokenFile = value(args, ++i, arg);
                    case "--ca-file" -> caFile = value(args, ++i, arg);
                    case "--timeout-ms" -> timeoutMs = Long.parseLong(value(args, ++i, arg));
                    default -> throw new UsageException("unknown argument " + arg);
                }
            }
            if (node == null || node.isBlank() || output == null) {
                throw new UsageException("--node and --output are required");
            }
            if (apiServer == null) {
                String host = env.get("KUBERNETES_SERVICE_HOST");
                String port = env.getOrDefault("KUBERNETES_SERVICE_PORT", "443");
                if (host == null || host.isBlank()) {
                    throw new UsageException("KUBERNETES_SERVICE_HOST is not set: not in a pod? Give --api-server");
                }
                apiServer = "https://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
            }
        } catch (UsageException | NumberFormatException e) {
            err.println("NodeZoneLookup: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        try {
            String value = lookup(
                    URI.create(apiServer),
                    node,
                    label,
                    Path.of(tokenFile),
                    Path.of(caFile),
                    Duration.ofMillis(timeoutMs));
            Path file = Path.of(output);
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(file, value + "\n");
            err.println("NodeZoneLookup: node " + node + " has " + label + "='" + value + "'");
            return 0;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            err.println("NodeZoneLookup: could not read label " + label + " of node " + node + " from " + apiServer
                    + ": " + e);
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("NodeZoneLookup: interrupted");
            return 1;
        }
    }

    /** The label's value, or "" when the node has no such label. */
    static String lookup(URI apiServer, String node, String label, Path tokenFile, Path caFile, Duration timeout)
            throws IOException, GeneralSecurityException, InterruptedException {
        String token = Files.readString(tokenFile).trim();
        HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(timeout);
        if ("https".equals(apiServer.getScheme())) {
            client.sslContext(trusting(caFile));
        }
        URI uri = apiServer.resolve("/api/v1/nodes/" + URLEncoder.encode(node, StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json")
                .GET()
                .build();
        HttpResponse<String> response = client.build().send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + uri + " answered HTTP " + response.statusCode() + ": " + response.body());
        }
        JsonNode value = new ObjectMapper()
                .readTree(response.body())
                .path("metadata")
                .path("labels")
                .path(label);
        return value.isTextual() ? value.asText() : "";
    }

    private static SSLContext trusting(Path caFile) throws IOException, GeneralSecurityException {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(caFile)) {
            int n = 0;
            for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("ca-" + n++, cert);
            }
            if (n == 0) {
                throw new GeneralSecurityException("no certificate in " + caFile);
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    private static String value(String[] args, int i, String option) throws UsageException {
        if (i >= args.length) {
            throw new UsageException(option + " needs a value");
        }
        return args[i];
    }
}
