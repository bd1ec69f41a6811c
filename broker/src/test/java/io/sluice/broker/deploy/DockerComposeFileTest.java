package io.sluice.broker.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.model.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Static checks of {@code docker-compose.yml}, including the Compose Specification schema: no Docker engine needed. */
@Timeout(60)
class DockerComposeFileTest {
    private static final List<String> BROKERS = List.of("broker-1", "broker-2", "broker-3");
    private static final List<String> OBSERVABILITY = List.of("prometheus", "grafana");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Object> compose = map(YamlFiles.parse(RepoFiles.read("docker-compose.yml")));
    private final Map<String, Object> services = map(compose.get("services"));

    /** The Compose Specification's JSON schema (vendored, see schemas/compose-spec/README.md). */
    @Test
    void theFileFollowsTheComposeSpecification() {
        assertThat(composeSchemaErrors(RepoFiles.read("docker-compose.yml"))).isEmpty();
    }

    /** The schema check bites: a misspelled key, a wrong type and a value outside an enum are each refused. */
    @Test
    void theComposeSchemaRefusesABrokenCopy() {
        String file = RepoFiles.read("docker-compose.yml");
        // in the x-broker extension that all three brokers merge
        assertThat(composeSchemaErrors(broken(file, "stop_grace_period: 120s", "stop_grace_periods: 120s")))
                .hasSize(3)
                .allSatisfy(e -> assertThat(e).contains("stop_grace_periods").contains("not defined in the schema"));
        assertThat(composeSchemaErrors(broken(file, "restart: unless-stopped", "restart: 3")))
                .isNotEmpty()
                .allSatisfy(e -> assertThat(e).contains("restart"));
        assertThat(composeSchemaErrors(broken(file, "condition: service_healthy", "condition: healthy")))
                .isNotEmpty()
                .allSatisfy(e -> assertThat(e).contains("depends_on"));
    }

    private static String broken(String file, String from, String to) {
        assertThat(file).as("the broken copy changes something").contains(from);
        return file.replaceFirst(Pattern.quote(from), Matcher.quoteReplacement(to));
    }

    /** Schema violations of a compose file's text, read with typed scalars (anchors and merge keys expanded). */
    private static List<String> composeSchemaErrors(String composeText) {
        JsonNode document =
                JSON.valueToTree(YamlFiles.parseAllTyped(composeText).get(0));
        return ComposeSchema.SCHEMA.validate(document).stream()
                .map(ValidationMessage::getMessage)
                .sorted()
                .toList();
    }

    /** The vendored schema, loaded once on first use. */
    private static final class ComposeSchema {
        static final JsonSchema SCHEMA = load();

        private static JsonSchema load() {
            try (InputStream in =
                    DockerComposeFileTest.class.getResourceAsStream("/schemas/compose-spec/compose-spec.json")) {
                assertThat(in).as("the vendored compose-spec.json").isNotNull();
                JsonNode schema = JSON.readTree(in);
                // The file names its meta-schema https://json-schema.org/draft-07/schema: draft 7 under that name, so
                // that nothing is fetched from the network. Its $id is relative (compose_spec.json), which draft 7
                // allows and the validator's default $id check does not.
                String metaSchema = schema.get("$schema").asText();
                JsonSchemaFactory factory = JsonSchemaFactory.getInstance(
                        SpecVersion.VersionFlag.V7,
                        builder -> builder.metaSchema(JsonMetaSchema.builder(metaSchema, JsonMetaSchema.getV7())
                                .build()));
                SchemaValidatorsConfig config = SchemaValidatorsConfig.builder()
                        .schemaIdValidator((id, root, location, resolved, context) -> true)
                        .build();
                return factory.getSchema(schema, config);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Test
    void hasZooKeeperAndThreeBrokersOnThreeRacks() {
        List<String> defaultProfile = services.keySet().stream()
                .filter(name -> !service(name).containsKey("profiles"))
                .toList();
        assertThat(defaultProfile).containsExactlyInAnyOrder("zookeeper", "broker-1", "broker-2", "broker-3");
        Set<String> ids = new HashSet<>();
        Set<String> racks = new HashSet<>();
        for (String broker : BROKERS) {
            Map<String, String> props = properties(broker);
            ids.add(props.get("broker.id"));
            racks.add(props.get("broker.rack"));
        }
        assertThat(ids).containsExactlyInAnyOrder("1", "2", "3");
        assertThat(racks).containsExactlyInAnyOrder("r1", "r2", "r3");
    }

    @Test
    void brokerEnvironmentsAreValidBrokerConfigs() {
        for (String broker : BROKERS) {
            BrokerConfig config = BrokerConfig.fromMap(properties(broker), () -> "localhost");
            assertThat(config.zookeeperConnect().connectString()).isEqualTo("zookeeper:2181");
            assertThat(config.logDirs()).hasSize(1);
            assertThat(config.metricsPort()).isPositive();
            assertThat(config.defaultReplicationFactor()).isEqualTo(3);
            assertThat(config.minInsyncReplicas()).isEqualTo(2);
        }
    }

    @Test
    void advertisedListenersReachBrokersFromContainersAndFromTheHost() {
        for (String broker : BROKERS) {
            BrokerConfig config = BrokerConfig.fromMap(properties(broker), () -> "localhost");
            Map<String, Endpoint> advertised =
                    config.advertisedListeners().stream().collect(Collectors.toMap(Endpoint::listenerName, e -> e));
            Map<String, Endpoint> bound =
                    config.listeners().stream().collect(Collectors.toMap(Endpoint::listenerName, e -> e));
            Map<Integer, Integer> published = publishedPorts(broker);
            String hostname = String.valueOf(service(broker).get("hostname"));

            Endpoint internal = advertised.get(config.interBrokerListenerName());
            assertThat(internal).as("%s inter-broker listener", broker).isNotNull();
            assertThat(internal.host())
                    .as("%s container-reachable host", broker)
                    .isIn(hostname, broker);
            assertThat(internal.port())
                    .isEqualTo(bound.get(internal.listenerName()).port());

            List<Endpoint> hostFacing = advertised.values().stream()
                    .filter(e -> e.host().equals("localhost") || e.host().equals("127.0.0.1"))
                    .toList();
            assertThat(hostFacing).as("%s host-reachable listener", broker).hasSize(1);
            Endpoint external = hostFacing.get(0);
            int containerPort = bound.get(external.listenerName()).port();
            assertThat(published)
                    .as("%s publishes its external listener on the advertised host port", broker)
                    .containsEntry(external.port(), containerPort);
            assertThat(published).containsValue(config.metricsPort());
        }
    }

    /**
     * Every image not built from this repository is pinned to an exact release (major.minor.patch), in the compose
     * file, the Kubernetes manifests and the Dockerfile's base images: a rebuild next month runs what was tested.
     */
    @Test
    void everyThirdPartyImageIsPinnedToAnExactRelease() {
        Pattern pinned = Pattern.compile("[a-z0-9./-]+:v?\\d+\\.\\d+\\.\\d+[A-Za-z0-9._-]*");
        List<String> images = new ArrayList<>();
        for (Object service : services.values()) {
            Object image = map(service).get("image");
            if (image != null) {
                images.add(String.valueOf(image));
            }
        }
        for (String manifest : List.of("zookeeper.yaml", "broker.yaml")) {
            Matcher m = Pattern.compile("(?m)^\\s*image:\\s*(\\S+)")
                    .matcher(RepoFiles.read("deploy/kubernetes/" + manifest));
            while (m.find()) {
                images.add(m.group(1));
            }
        }
        Matcher from = Pattern.compile("(?m)^FROM\\s+(\\S+)").matcher(RepoFiles.read("deploy/Dockerfile"));
        while (from.find()) {
            images.add(from.group(1));
        }
        assertThat(images).contains("zookeeper:3.9.3").hasSizeGreaterThan(5);
        assertThat(images)
                .filteredOn(image -> !image.startsWith("sluice/"))
                .allSatisfy(image ->
                        assertThat(image).as("image %s is pinned", image).matches(pinned));
    }

    @Test
    void observabilityProfileAddsPinnedPrometheusAndGrafanaWithTheRepositoryFiles() {
        Map<String, Object> configs = map(compose.get("configs"));
        for (String name : OBSERVABILITY) {
            Map<String, Object> service = service(name);
            assertThat(list(service.get("profiles"))).as(name).containsExactly("observability");
            String image = String.valueOf(service.get("image"));
            assertThat(image).as("%s image is pinned to a version", name).matches("[a-z/]+:v?\\d+\\.\\d+\\.\\d+");
            for (Object mount : list(service.get("configs"))) {
                String source = String.valueOf(map(mount).get("source"));
                assertThat(configs).as("%s config %s is declared", name, source).containsKey(source);
                String file = String.valueOf(map(configs.get(source)).get("file"));
                assertThat(Files.isRegularFile(RepoFiles.root().resolve(file)))
                        .as("%s exists", file)
                        .isTrue();
            }
        }
        assertThat(services.keySet()).containsAll(OBSERVABILITY);
    }

    @Test
    void prometheusScrapesEveryBrokerOnItsMetricsPort() {
        Map<String, Object> prometheus = map(YamlFiles.parse(RepoFiles.read("deploy/observability/prometheus.yml")));
        List<Object> jobs = list(prometheus.get("scrape_configs"));
        Map<String, Object> sluice = map(jobs.get(0));
        List<Object> targets =
                list(map(list(sluice.get("static_configs")).get(0)).get("targets"));
        List<String> expected = BROKERS.stream()
                .map(broker -> service(broker).get("hostname") + ":"
                        + properties(broker).get("metrics.port"))
                .toList();
        assertThat(targets).map(String::valueOf).containsExactlyInAnyOrderElementsOf(expected);
        for (Object ruleFile : list(prometheus.get("rule_files"))) {
            String target = String.valueOf(ruleFile);
            assertThat(list(service("prometheus").get("configs")))
                    .as("rule file %s is mounted", target)
                    .anySatisfy(mount -> assertThat(map(mount).get("target")).isEqualTo(target));
        }
    }

    @Test
    void hostPortsAreUnique() {
        List<Integer> hostPorts = new ArrayList<>();
        for (String name : services.keySet()) {
            hostPorts.addAll(publishedPorts(name).keySet());
        }
        assertThat(hostPorts).doesNotHaveDuplicates().contains(2181, 9092, 9093, 9094);
    }

    @Test
    void everyServiceHasAHealthCheckAndBrokersWaitForAHealthyZooKeeper() {
        for (String name : services.keySet()) {
            Map<String, Object> health = map(service(name).get("healthcheck"));
            assertThat(list(health.get("test"))).as(name).isNotEmpty().startsWith("CMD");
        }
        for (String broker : BROKERS) {
            List<Object> test = list(map(service(broker).get("healthcheck")).get("test"));
            assertThat(test.get(1)).isEqualTo("/opt/sluice/deploy/docker/healthcheck.sh");
            assertThat(test.get(2)).isEqualTo("broker");
            assertThat(test.get(3)).isEqualTo(properties(broker).get("metrics.port"));
            assertThat(Files.isExecutable(RepoFiles.root().resolve("deploy/docker/healthcheck.sh")))
                    .isTrue();
            Map<String, Object> dependsOn = map(service(broker).get("depends_on"));
            assertThat(map(dependsOn.get("zookeeper")).get("condition")).isEqualTo("service_healthy");
        }
    }

    @Test
    void namedVolumesAreDeclaredUsedAndHoldTheLogDirs() {
        Set<String> declared = map(compose.get("volumes")).keySet();
        Set<String> used = new HashSet<>();
        for (String name : services.keySet()) {
            for (Object volume : list(service(name).getOrDefault("volumes", List.of()))) {
                String[] parts = String.valueOf(volume).split(":");
                assertThat(parts[0])
                        .as("%s mounts a named volume, not a host path", name)
                        .doesNotStartWith("/")
                        .doesNotStartWith(".");
                assertThat(declared)
                        .as("%s volume %s is declared", name, parts[0])
                        .contains(parts[0]);
                assertThat(used.add(parts[0]))
                        .as("volume %s shared between services", parts[0])
                        .isTrue();
            }
        }
        assertThat(used).isEqualTo(declared);
        for (String broker : BROKERS) {
            String logDirs = properties(broker).get("log.dirs");
            assertThat(list(service(broker).get("volumes")))
                    .as("%s keeps its log.dirs on a named volume", broker)
                    .anySatisfy(v -> assertThat(String.valueOf(v)).endsWith(":" + logDirs));
        }
    }

    @Test
    void brokersUseTheImageBuiltFromTheRepositoryDockerfile() {
        for (String broker : BROKERS) {
            Map<String, Object> build = map(service(broker).get("build"));
            assertThat(build.get("context")).isEqualTo(".");
            assertThat(Files.isRegularFile(RepoFiles.root().resolve(String.valueOf(build.get("dockerfile")))))
                    .isTrue();
        }
    }

    @Test
    void entrypointDerivesTheSamePropertiesAsTheRule() {
        assumeThat(RepoFiles.onPath("bash"))
                .as("bash is needed to run deploy/docker/entrypoint.sh")
                .isPresent();
        for (String broker : BROKERS) {
            RepoFiles.Run run =
                    RepoFiles.run(List.of("bash", "deploy/docker/entrypoint.sh", "--print-config"), env(broker), 30);
            assertThat(run.exitCode()).as(run.stderr()).isZero();
            Properties printed = new Properties();
            try {
                printed.load(new java.io.StringReader(run.stdout()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            Map<String, String> fromScript = new TreeMap<>();
            printed.forEach((k, v) -> fromScript.put((String) k, (String) v));
            assertThat(fromScript).isEqualTo(properties(broker));
        }
    }

    private Map<String, String> env(String service) {
        Map<String, String> env = new HashMap<>();
        map(service(service).get("environment")).forEach((k, v) -> env.put(k, String.valueOf(v)));
        return env;
    }

    private Map<String, String> properties(String service) {
        return BrokerEnv.toProperties(env(service));
    }

    /** host port → container port. */
    private Map<Integer, Integer> publishedPorts(String service) {
        Map<Integer, Integer> out = new HashMap<>();
        for (Object mapping : list(service(service).getOrDefault("ports", List.of()))) {
            String[] parts = String.valueOf(mapping).split(":");
            assertThat(parts)
                    .as("%s port mapping %s is HOST:CONTAINER", service, mapping)
                    .hasSize(2);
            assertThat(out.put(Integer.parseInt(parts[0]), Integer.parseInt(parts[1])))
                    .isNull();
        }
        return out;
    }

    private Map<String, Object> service(String name) {
        return map(Optional.ofNullable(services.get(name)).orElseThrow(() -> new AssertionError("no service " + name)));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        assertThat(o).isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        assertThat(o).isInstanceOf(List.class);
        return (List<Object>) o;
    }
}
