package io.sluice.broker.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every object of {@code deploy/kubernetes/*.yaml} against the Kubernetes OpenAPI schemas: types, required fields and
 * enums, as the API server's validation would refuse them. The schemas come from the npm package {@code
 * kubernetes-models}, pinned (with its dependencies) by {@code broker/src/test/node/kubernetes-schema/package-lock.json}
 * and installed with {@code npm ci} into {@code broker/target/kubernetes-schema}; {@code validate.mjs} there runs them.
 * Without node/npm, or when the npm registry cannot be reached, the tests are skipped with that reason. Unknown
 * (misspelled) fields are not caught: the models accept them.
 */
@Timeout(300)
class KubernetesSchemaTest {
    private static final String SOURCE = "broker/src/test/node/kubernetes-schema";
    private static final List<String> SOURCE_FILES = List.of("package.json", "package-lock.json", "validate.mjs");
    private static final long INSTALL_TIMEOUT_SECONDS = 180;
    /** What npm prints when it cannot reach the registry (DNS, refused or reset connections, proxies, timeouts). */
    private static final Pattern UNREACHABLE = Pattern.compile(
            "ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|network|E50[234]|"
                    + "fetch failed|request to .* failed|CERT|certificate");

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Where node and npm find extra CA certificates (a TLS-inspecting proxy's, for instance). */
    private static final Set<String> TLS_SETTINGS = Set.of("NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR");

    private static Path node;
    private static Path validator;

    @BeforeAll
    static void installTheSchemas() throws IOException {
        Optional<Path> nodeOnPath = RepoFiles.onPath("node");
        Optional<Path> npm = RepoFiles.onPath("npm");
        assumeThat(nodeOnPath.isPresent() && npm.isPresent())
                .as("node and npm are needed for the Kubernetes schema validation (Debian: apt-get install nodejs npm);"
                        + " skipping it")
                .isTrue();
        node = nodeOnPath.get();
        Path dir = RepoFiles.root().resolve("broker/target/kubernetes-schema");
        Files.createDirectories(dir);
        for (String file : SOURCE_FILES) {
            Path target = dir.resolve(file);
            Files.writeString(target, RepoFiles.read(SOURCE + "/" + file));
        }
        validator = dir.resolve("validate.mjs");
        Path installed = dir.resolve("installed-package-lock.json");
        String lock = Files.readString(dir.resolve("package-lock.json"));
        if (Files.isRegularFile(installed)
                && Files.readString(installed).equals(lock)
                && Files.isRegularFile(dir.resolve("node_modules/kubernetes-models/package.json"))) {
            return;
        }
        Files.deleteIfExists(installed);
        RepoFiles.Run install = RepoFiles.run(
                List.of(
                        npm.get().toString(),
                        "ci",
                        "--prefix",
                        dir.toString(),
                        "--prefer-offline",
                        "--ignore-scripts",
                        "--no-audit",
                        "--no-fund",
                        "--loglevel=error"),
                proxyEnvironment(),
                INSTALL_TIMEOUT_SECONDS);
        if (install.exitCode() != 0) {
            assertThat(UNREACHABLE.matcher(install.stderr()).find())
                    .as("npm ci failed for another reason than an unreachable registry: %s", install.stderr())
                    .isTrue();
            Assumptions.abort("the npm registry cannot be reached, skipping the Kubernetes schema validation: "
                    + firstError(install.stderr()));
        }
        Files.writeString(installed, lock);
    }

    @Test
    void everyManifestValidatesAgainstTheKubernetesSchemas() {
        Map<String, Object> objects = new LinkedHashMap<>();
        for (String file : manifestFiles()) {
            List<Object> docs = YamlFiles.parseAllTyped(RepoFiles.read("deploy/kubernetes/" + file));
            for (int i = 0; i < docs.size(); i++) {
                objects.put(file + "#" + i, docs.get(i));
            }
        }
        Map<String, Object> kustomization =
                DockerComposeFileTest.map(YamlFiles.parse(RepoFiles.read("deploy/kubernetes/kustomization.yaml")));
        assertThat(manifestFiles())
                .as("everything kustomize applies is validated")
                .containsAll(DockerComposeFileTest.list(kustomization.get("resources")).stream()
                        .map(String::valueOf)
                        .toList());

        List<JsonNode> results = validate(objects);

        assertThat(results).hasSize(objects.size());
        for (JsonNode result : results) {
            assertThat(result.get("valid").asBoolean())
                    .as(
                            "%s %s %s: %s",
                            result.get("source"), result.get("kind"), result.get("name"), result.get("errors"))
                    .isTrue();
        }
        assertThat(results)
                .map(r -> r.get("kind").asText())
                .contains("StatefulSet", "Service", "PodDisruptionBudget", "ServiceAccount", "ClusterRole");
    }

    /** The check bites: the mistakes a hand-edited manifest makes are refused, each with its path. */
    @Test
    void aWrongTypeAMissingRequiredFieldAndAnUnknownKindAreRefused() {
        Map<String, Object> quotedReplicas = brokerObject("StatefulSet", "sluice-broker");
        DockerComposeFileTest.map(quotedReplicas.get("spec")).put("replicas", "3");
        Map<String, Object> portless = brokerObject("Service", "sluice-broker");
        DockerComposeFileTest.map(DockerComposeFileTest.list(
                                DockerComposeFileTest.map(portless.get("spec")).get("ports"))
                        .get(0))
                .remove("port");
        Map<String, Object> unknownKind = new LinkedHashMap<>(brokerObject("Service", "sluice-broker"));
        unknownKind.put("apiVersion", "apps/v1");
        Map<String, Object> objects = new LinkedHashMap<>();
        objects.put("replicas-as-string", quotedReplicas);
        objects.put("port-missing", portless);
        objects.put("service-in-apps-v1", unknownKind);
        objects.put("unchanged", brokerObject("StatefulSet", "sluice-broker"));

        List<JsonNode> results = validate(objects);

        assertThat(results).hasSize(4);
        assertThat(errors(results.get(0))).containsExactly("/spec/replicas must be integer");
        assertThat(errors(results.get(1)))
                .singleElement()
                .asString()
                .startsWith("/spec/ports/0 must have required property")
                .contains("port");
        assertThat(errors(results.get(2))).singleElement().asString().contains("no Kubernetes model");
        assertThat(results.get(3).get("valid").asBoolean())
                .as("%s", results.get(3))
                .isTrue();
    }

    private static List<String> errors(JsonNode result) {
        assertThat(result.get("valid").asBoolean()).as("%s", result).isFalse();
        List<String> errors = new ArrayList<>();
        result.get("errors").forEach(e -> errors.add(e.asText()));
        return errors;
    }

    /** A fresh, typed copy of one object of broker.yaml. */
    private static Map<String, Object> brokerObject(String kind, String name) {
        return YamlFiles.parseAllTyped(RepoFiles.read("deploy/kubernetes/broker.yaml")).stream()
                .map(DockerComposeFileTest::map)
                .filter(o -> kind.equals(o.get("kind"))
                        && name.equals(
                                DockerComposeFileTest.map(o.get("metadata")).get("name")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in broker.yaml"));
    }

    /** The {@code *.yaml} files of deploy/kubernetes that hold API objects (all but kustomize's own file). */
    private static List<String> manifestFiles() {
        try (Stream<Path> files = Files.list(RepoFiles.root().resolve("deploy/kubernetes"))) {
            return files.map(f -> f.getFileName().toString())
                    .filter(f -> f.endsWith(".yaml") || f.endsWith(".yml"))
                    .filter(f -> !f.startsWith("kustomization."))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<JsonNode> validate(Map<String, Object> objects) {
        Path input;
        try {
            input = Files.createTempFile(validator.getParent(), "objects", ".json");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            List<Map<String, Object>> entries = new ArrayList<>();
            objects.forEach((source, object) -> entries.add(Map.of("source", source, "object", object)));
            JSON.writeValue(input.toFile(), entries);
            RepoFiles.Run run =
                    RepoFiles.run(List.of(node.toString(), validator.toString(), input.toString()), Map.of(), 60);
            assertThat(run.exitCode()).as("validate.mjs: %s", run.stderr()).isIn(0, 1);
            List<JsonNode> results = new ArrayList<>();
            for (String line : run.stdout().split("\n")) {
                if (!line.isBlank()) {
                    results.add(JSON.readTree(line));
                }
            }
            boolean allValid = results.stream().allMatch(r -> r.get("valid").asBoolean());
            assertThat(run.exitCode()).as("exit status agrees with the results").isEqualTo(allValid ? 0 : 1);
            return results;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(input);
            } catch (IOException e) {
                // best effort: the file is under target/
            }
        }
    }

    /** Proxy, TLS and npm settings of this environment, which npm needs to reach the registry. */
    private static Map<String, String> proxyEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        System.getenv().forEach((name, value) -> {
            String lower = name.toLowerCase(java.util.Locale.ROOT);
            if (lower.endsWith("_proxy") || lower.startsWith("npm_config_") || TLS_SETTINGS.contains(name)) {
                env.put(name, value);
            }
        });
        return env;
    }

    /** npm's first error line that says something (not the pointer to its debug log). */
    private static String firstError(String text) {
        return Arrays.stream(text.split("\n"))
                .filter(l -> !l.isBlank() && !l.contains("A complete log of this run"))
                .findFirst()
                .orElse("(no output)");
    }
}
