package io.sluice.broker.deploy;

import static io.sluice.broker.deploy.DockerComposeFileTest.list;
import static io.sluice.broker.deploy.DockerComposeFileTest.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.sluice.broker.tools.NodeZoneLookup;
import io.sluice.metadata.config.BrokerConfig;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Static checks of {@code deploy/kubernetes/*.yaml}. */
@Timeout(60)
class KubernetesManifestsTest {
    private static final List<String> FILES = List.of("rbac.yaml", "zookeeper.yaml", "broker.yaml");

    private final List<Map<String, Object>> objects = load();

    private static List<Map<String, Object>> load() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String file : FILES) {
            for (Object doc : YamlFiles.parseAll(RepoFiles.read("deploy/kubernetes/" + file))) {
                out.add(map(doc));
            }
        }
        return out;
    }

    private Map<String, Object> object(String kind, String name) {
        return objects.stream()
                .filter(o -> kind.equals(o.get("kind"))
                        && name.equals(map(o.get("metadata")).get("name")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    @Test
    void kustomizationListsEveryManifest() {
        Map<String, Object> kustomization =
                map(YamlFiles.parse(RepoFiles.read("deploy/kubernetes/kustomization.yaml")));
        assertThat(list(kustomization.get("resources"))).containsExactlyInAnyOrderElementsOf(FILES);
    }

    @Test
    void statefulSetsHaveHeadlessServicesAndDisruptionBudgets() {
        for (String app : List.of("sluice-zookeeper", "sluice-broker")) {
            Map<String, Object> sts = object("StatefulSet", app);
            Map<String, Object> spec = map(sts.get("spec"));
            assertThat(spec.get("replicas")).isEqualTo("3");
            Map<String, Object> podLabels =
                    map(map(map(spec.get("template")).get("metadata")).get("labels"));
            assertThat(map(map(spec.get("selector")).get("matchLabels"))).isEqualTo(podLabels);

            Map<String, Object> headless = map(
                    object("Service", String.valueOf(spec.get("serviceName"))).get("spec"));
            assertThat(headless.get("clusterIP")).isEqualTo("None");
            assertThat(map(headless.get("selector"))).isEqualTo(podLabels);

            Map<String, Object> pdb = map(object("PodDisruptionBudget", app).get("spec"));
            assertThat(map(map(pdb.get("selector")).get("matchLabels"))).isEqualTo(podLabels);
            assertThat(pdb.get("maxUnavailable")).isEqualTo("1");

            assertThat(list(spec.get("volumeClaimTemplates"))).isNotEmpty();
        }
    }

    @Test
    void brokerReadinessIsHealthOnTheMetricsPort() {
        Map<String, Object> broker = brokerContainer();
        Map<String, Object> probe = map(map(broker.get("readinessProbe")).get("httpGet"));
        assertThat(probe.get("path")).isEqualTo("/health");
        String portName = String.valueOf(probe.get("port"));
        Map<String, Object> port = list(broker.get("ports")).stream()
                .map(DockerComposeFileTest::map)
                .filter(p -> portName.equals(p.get("name")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no container port named " + portName));
        assertThat(port.get("containerPort")).isEqualTo(env(broker).get("SLUICE_CFG_METRICS_PORT"));
    }

    @Test
    void rackComesFromTheNodesZoneLabelReadByTheBrokerImageItself() throws Exception {
        Map<String, Object> podSpec = brokerPodSpec();
        Map<String, Object> init = map(list(podSpec.get("initContainers")).get(0));
        assertThat(init.get("image"))
                .as("the rack lookup needs no third-party image")
                .isEqualTo(brokerContainer().get("image"));
        List<String> command =
                list(init.get("command")).stream().map(String::valueOf).toList();
        assertThat(command)
                .startsWith("/opt/sluice/bin/sluice-run-class", NodeZoneLookup.class.getName())
                .containsSubsequence("--node", "$(NODE_NAME)")
                .containsSubsequence("--output", "/etc/sluice/rack/zone");
        assertThat(Files.isExecutable(RepoFiles.root().resolve("bin/sluice-run-class")))
                .isTrue();
        Map<String, Object> nodeName = map(list(init.get("env")).stream()
                .map(DockerComposeFileTest::map)
                .filter(e -> "NODE_NAME".equals(e.get("name")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("the init container has no NODE_NAME")));
        assertThat(map(map(nodeName.get("valueFrom")).get("fieldRef")).get("fieldPath"))
                .isEqualTo("spec.nodeName");
        String brokerScript = String.join(
                " ",
                list(brokerContainer().get("command")).stream()
                        .map(String::valueOf)
                        .toList());
        assertThat(brokerScript).contains("SLUICE_CFG_BROKER_RACK").contains("/etc/sluice/rack/zone");
        assertThat(podSpec.get("serviceAccountName")).isEqualTo("sluice-broker");

        Map<String, Object> role = object("ClusterRole", "sluice-broker-node-reader");
        Map<String, Object> rule = map(list(role.get("rules")).get(0));
        assertThat(list(rule.get("resources"))).containsExactly("nodes");
        assertThat(list(rule.get("verbs"))).containsExactly("get");
        object("ServiceAccount", "sluice-broker");
    }

    @Test
    void podsRunWithoutServiceLinksAsNonRootWithAWritableVolumeSpreadOverNodesAndZones() {
        for (String app : List.of("sluice-zookeeper", "sluice-broker")) {
            Map<String, Object> podSpec = podSpec(app);
            assertThat(podSpec.get("enableServiceLinks")).as(app).isEqualTo("false");
            List<String> topologyKeys = list(map(map(podSpec.get("affinity")).get("podAntiAffinity"))
                            .get("preferredDuringSchedulingIgnoredDuringExecution"))
                    .stream()
                    .map(t -> String.valueOf(map(map(t).get("podAffinityTerm")).get("topologyKey")))
                    .toList();
            assertThat(topologyKeys)
                    .as(app)
                    .containsExactlyInAnyOrder("kubernetes.io/hostname", "topology.kubernetes.io/zone");
        }
        // The default controlled shutdown gives up after max.retries requests (each bounded by request.timeout.ms)
        // with the backoff between them; the pod must not be killed before that plus the components' stop.
        BrokerConfig defaults = BrokerConfig.fromMap(
                Map.of("broker.id", "1", "zookeeper.connect", "zk:2181", "log.dirs", "/data"), () -> "localhost");
        long controlledShutdownMs = defaults.controlledShutdownMaxRetries()
                * (defaults.requestTimeoutMs() + defaults.controlledShutdownRetryBackoffMs());
        assertThat(Long.parseLong(String.valueOf(brokerPodSpec().get("terminationGracePeriodSeconds"))) * 1000)
                .isGreaterThanOrEqualTo(controlledShutdownMs + 10_000);
        Map<String, Object> security = map(brokerPodSpec().get("securityContext"));
        assertThat(security.get("runAsNonRoot")).isEqualTo("true");
        assertThat(security.get("fsGroup"))
                .isEqualTo(security.get("runAsGroup"))
                .isNotNull();
        String dockerfile = RepoFiles.read("deploy/Dockerfile");
        assertThat(dockerfile)
                .contains("--uid " + security.get("runAsUser"))
                .contains("--gid " + security.get("fsGroup"))
                .contains("USER " + security.get("runAsUser"))
                .contains("chmod -R g+rwX /var/lib/sluice");
    }

    /**
     * What a pod really gets: the environment Kubernetes injects for every Service of the namespace (as if
     * enableServiceLinks were on), the downward-API values, and the manifest's own env; the container's command runs
     * the real entry point, with the image's broker launcher replaced by a stub that prints the generated file; the
     * printed properties must be a valid broker configuration.
     */
    @Test
    void theRealEntryPointTurnsThePodEnvironmentIntoAValidBrokerConfig(@TempDir Path dir) throws Exception {
        assumeThat(RepoFiles.onPath("bash")).as("bash runs the entry point").isPresent();
        Path home = dir.resolve("home");
        Path launcher = home.resolve("bin/sluice-broker");
        Files.createDirectories(launcher.getParent());
        Files.writeString(launcher, "#!/usr/bin/env bash\nset -euo pipefail\necho \"# args: $*\"\ncat \"$1\"\n");
        assertThat(launcher.toFile().setExecutable(true)).isTrue();
        Path rack = Files.createDirectories(dir.resolve("rack"));
        Files.writeString(rack.resolve("zone"), "z1\n");

        Map<String, String> env = new TreeMap<>(serviceLinkEnvironment());
        assertThat(env)
                .containsKeys(
                        "SLUICE_BROKER_PORT",
                        "SLUICE_BROKER_SERVICE_HOST",
                        "SLUICE_BROKER_SERVICE_PORT_KAFKA",
                        "SLUICE_ZOOKEEPER_PORT_2181_TCP_ADDR",
                        "KUBERNETES_SERVICE_HOST");
        Map<String, Object> container = brokerContainer();
        env.putAll(downwardApi(container, "default", "node-1"));
        env.put("HOSTNAME", "sluice-broker-0");
        env.putAll(env(container));
        // The image's ENV, with the broker launcher stubbed and the config file in the temporary directory.
        env.put("SLUICE_HOME", home.toString());
        env.put("SLUICE_CONFIG_FILE", dir.resolve("server.properties").toString());

        List<String> command =
                list(container.get("command")).stream().map(String::valueOf).toList();
        assertThat(command).hasSize(3).startsWith("bash", "-c");
        String script = command.get(2)
                .replace("/opt/sluice/", RepoFiles.root() + "/")
                .replace("/etc/sluice/rack", rack.toString());
        RepoFiles.Run run = RepoFiles.run(List.of("bash", "-c", script), env, 30);
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.stdout()).startsWith("# args: " + dir.resolve("server.properties"));

        Properties printed = new Properties();
        printed.load(new StringReader(run.stdout()));
        Map<String, String> props = new TreeMap<>();
        printed.forEach((k, v) -> props.put((String) k, (String) v));
        BrokerConfig config = BrokerConfig.fromMap(props, () -> "localhost");

        assertThat(config.brokerId()).isEqualTo(1);
        assertThat(props).containsEntry("broker.rack", "z1");
        assertThat(config.zookeeperConnect().connectString()).contains("sluice-zookeeper-0.sluice-zookeeper-headless");
        assertThat(config.metricsPort()).isEqualTo(9404);
        assertThat(config.advertisedListeners().get(0).host())
                .isEqualTo("sluice-broker-0.sluice-broker-headless.default.svc.cluster.local");
        assertThat(config.advertisedListeners().get(0).port())
                .isEqualTo(config.listeners().get(0).port());
        assertThat(run.stderr()).as("no deprecated variable in the manifest").doesNotContain("deprecated");
    }

    /**
     * The variables the kubelet derives from the Services of the pod's namespace (enableServiceLinks): for each Service
     * with a cluster IP, {@code <SVC>_SERVICE_HOST}, {@code <SVC>_SERVICE_PORT}, {@code <SVC>_SERVICE_PORT_<NAME>} per
     * named port, and the Docker-link style {@code <SVC>_PORT} and {@code <SVC>_PORT_<p>_TCP[_PROTO|_PORT|_ADDR]},
     * where {@code <SVC>} is the name upper-cased with '-' → '_'; plus the API server's {@code kubernetes} Service.
     * Headless Services get none.
     */
    private Map<String, String> serviceLinkEnvironment() {
        Map<String, String> env = new TreeMap<>();
        addServiceLinks(env, "kubernetes", "10.96.0.1", List.of(Map.of("name", "https", "port", "443")));
        int ip = 10;
        for (Map<String, Object> o : objects) {
            if (!"Service".equals(o.get("kind"))) {
                continue;
            }
            Map<String, Object> spec = map(o.get("spec"));
            if ("None".equals(spec.get("clusterIP"))) {
                continue;
            }
            addServiceLinks(
                    env,
                    String.valueOf(map(o.get("metadata")).get("name")),
                    "10.96.0." + ip++,
                    list(spec.get("ports")).stream()
                            .map(DockerComposeFileTest::map)
                            .toList());
        }
        return env;
    }

    private static void addServiceLinks(
            Map<String, String> env, String service, String clusterIp, List<? extends Map<String, ?>> ports) {
        String prefix = service.toUpperCase(Locale.ROOT).replace('-', '_');
        env.put(prefix + "_SERVICE_HOST", clusterIp);
        boolean first = true;
        for (Map<String, ?> port : ports) {
            String number = String.valueOf(port.get("port"));
            String protocol = String.valueOf(port.containsKey("protocol") ? port.get("protocol") : "TCP");
            String url = protocol.toLowerCase(Locale.ROOT) + "://" + clusterIp + ":" + number;
            if (first) {
                env.put(prefix + "_SERVICE_PORT", number);
                env.put(prefix + "_PORT", url);
                first = false;
            }
            if (port.get("name") != null) {
                env.put(
                        prefix + "_SERVICE_PORT_"
                                + String.valueOf(port.get("name"))
                                        .toUpperCase(Locale.ROOT)
                                        .replace('-', '_'),
                        number);
            }
            String link = prefix + "_PORT_" + number + "_" + protocol.toUpperCase(Locale.ROOT);
            env.put(link, url);
            env.put(link + "_PROTO", protocol.toLowerCase(Locale.ROOT));
            env.put(link + "_PORT", number);
            env.put(link + "_ADDR", clusterIp);
        }
    }

    private static Map<String, String> downwardApi(Map<String, Object> container, String namespace, String node) {
        Map<String, String> env = new HashMap<>();
        for (Object o : list(container.get("env"))) {
            Map<String, Object> entry = map(o);
            if (!entry.containsKey("valueFrom")) {
                continue;
            }
            String field = String.valueOf(
                    map(map(entry.get("valueFrom")).get("fieldRef")).get("fieldPath"));
            String value = switch (field) {
                case "metadata.namespace" -> namespace;
                case "spec.nodeName" -> node;
                default -> throw new AssertionError("the test does not know the field " + field);
            };
            env.put(String.valueOf(entry.get("name")), value);
        }
        return env;
    }

    private Map<String, Object> podSpec(String statefulSet) {
        return map(map(map(object("StatefulSet", statefulSet).get("spec")).get("template"))
                .get("spec"));
    }

    private Map<String, Object> brokerPodSpec() {
        return podSpec("sluice-broker");
    }

    private Map<String, Object> brokerContainer() {
        return map(list(brokerPodSpec().get("containers")).get(0));
    }

    private static Map<String, String> env(Map<String, Object> container) {
        Map<String, String> env = new HashMap<>();
        for (Object o : list(container.get("env"))) {
            Map<String, Object> entry = map(o);
            if (entry.containsKey("value")) {
                env.put(String.valueOf(entry.get("name")), String.valueOf(entry.get("value")));
            }
        }
        return env;
    }
}
