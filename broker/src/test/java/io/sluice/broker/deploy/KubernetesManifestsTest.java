package io.sluice.broker.deploy;

import static io.sluice.broker.deploy.DockerComposeFileTest.list;
import static io.sluice.broker.deploy.DockerComposeFileTest.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.sluice.broker.tools.NodeZoneLookup;
import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.model.Endpoint;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Static checks of {@code deploy/kubernetes/*.yaml}. */
@Timeout(60)
class KubernetesManifestsTest {
    private static final List<String> FILES =
            List.of("rbac.yaml", "zookeeper.yaml", "broker.yaml", "broker-external.yaml");
    private static final String NAMESPACE = "default";
    private static final String NODE_NAME = "node-1";
    private static final String NODE_IP = "192.168.49.2";
    private static final Pattern VAR_REF = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

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
        assertThat(serviceLinkEnvironment())
                .containsKeys(
                        "SLUICE_BROKER_PORT",
                        "SLUICE_BROKER_SERVICE_HOST",
                        "SLUICE_BROKER_SERVICE_PORT_KAFKA",
                        "SLUICE_BROKER_0_EXTERNAL_PORT",
                        "SLUICE_ZOOKEEPER_PORT_2181_TCP_ADDR",
                        "KUBERNETES_SERVICE_HOST");

        Map<String, String> props = runEntryPoint(dir, 0);
        BrokerConfig config = BrokerConfig.fromMap(props, () -> "localhost");

        assertThat(config.brokerId()).isEqualTo(1);
        assertThat(props).containsEntry("broker.rack", "z1");
        assertThat(config.zookeeperConnect().connectString()).contains("sluice-zookeeper-0.sluice-zookeeper-headless");
        assertThat(config.metricsPort()).isEqualTo(9404);
        Endpoint internal = advertised(config, config.interBrokerListenerName());
        assertThat(internal.host()).isEqualTo("sluice-broker-0.sluice-broker-headless.default.svc.cluster.local");
        assertThat(internal.port())
                .isEqualTo(bound(config, internal.listenerName()).port());
        Map<String, Object> headless =
                map(object("Service", "sluice-broker-headless").get("spec"));
        assertThat(list(headless.get("ports")))
                .map(DockerComposeFileTest::map)
                .anySatisfy(p -> assertThat(p.get("port")).isEqualTo(String.valueOf(internal.port())));
    }

    /**
     * External access: for every pod of the StatefulSet, the EXTERNAL listener the real entry point advertises is the
     * node port of that pod's own Service on the pod's node, and that Service forwards to the port the listener binds.
     */
    @Test
    void eachBrokerAdvertisesTheNodePortOfItsOwnExternalService(@TempDir Path dir) throws Exception {
        assumeThat(RepoFiles.onPath("bash")).as("bash runs the entry point").isPresent();
        int replicas = Integer.parseInt(String.valueOf(
                map(object("StatefulSet", "sluice-broker").get("spec")).get("replicas")));
        List<Integer> nodePorts = new ArrayList<>();
        for (int ordinal = 0; ordinal < replicas; ordinal++) {
            String pod = "sluice-broker-" + ordinal;
            BrokerConfig config = BrokerConfig.fromMap(
                    runEntryPoint(Files.createDirectories(dir.resolve(pod)), ordinal), () -> "localhost");
            Endpoint external = advertised(config, "EXTERNAL");
            Endpoint bound = bound(config, "EXTERNAL");

            Map<String, Object> service = object("Service", pod + "-external");
            Map<String, Object> spec = map(service.get("spec"));
            assertThat(spec.get("type")).as(pod).isEqualTo("NodePort");
            assertThat(map(spec.get("selector")))
                    .as("%s's Service selects that pod only", pod)
                    .containsEntry("statefulset.kubernetes.io/pod-name", pod)
                    .containsAllEntriesOf(podLabels("sluice-broker"));
            List<Object> ports = list(spec.get("ports"));
            assertThat(ports).as(pod).hasSize(1);
            Map<String, Object> port = map(ports.get(0));
            assertThat(external.host())
                    .as("%s advertises its node's address", pod)
                    .isEqualTo(NODE_IP);
            assertThat(external.port())
                    .as("%s advertises the node port of its Service", pod)
                    .isEqualTo(Integer.parseInt(String.valueOf(port.get("nodePort"))));
            assertThat(containerPort(brokerContainer(), String.valueOf(port.get("targetPort"))))
                    .as("%s's Service forwards to the port the EXTERNAL listener binds", pod)
                    .isEqualTo(bound.port());
            nodePorts.add(external.port());
        }
        assertThat(nodePorts)
                .doesNotHaveDuplicates()
                .allSatisfy(p -> assertThat(p).isBetween(30000, 32767));
        assertThat(objects.stream()
                        .filter(o -> "Service".equals(o.get("kind")))
                        .filter(o -> "NodePort".equals(map(o.get("spec")).get("type"))))
                .as("one external Service per replica")
                .hasSize(replicas);
    }

    @Test
    void theEntryPointRefusesAnExternalHostWithoutAPort(@TempDir Path dir) {
        assumeThat(RepoFiles.onPath("bash")).as("bash runs the entry point").isPresent();
        Map<String, String> env = Map.of(
                "HOSTNAME", "sluice-broker-1",
                "SLUICE_EXTERNAL_HOST", "kafka-{ordinal}.example.com",
                "SLUICE_CONFIG_FILE", dir.resolve("server.properties").toString());
        RepoFiles.Run run = RepoFiles.run(List.of("bash", "deploy/docker/entrypoint.sh", "--print-config"), env, 30);
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderr()).contains("SLUICE_EXTERNAL_PORT_BASE");

        Map<String, String> loadBalancer = new HashMap<>(env);
        loadBalancer.put("SLUICE_EXTERNAL_PORT", "9094");
        loadBalancer.put("SLUICE_CFG_ADVERTISED_LISTENERS", "INTERNAL://sluice-broker-1.local:9092");
        RepoFiles.Run ok =
                RepoFiles.run(List.of("bash", "deploy/docker/entrypoint.sh", "--print-config"), loadBalancer, 30);
        assertThat(ok.exitCode()).as(ok.stderr()).isZero();
        assertThat(ok.stdout())
                .contains("advertised.listeners=INTERNAL://sluice-broker-1.local:9092,"
                        + "EXTERNAL://kafka-1.example.com:9094");
    }

    /**
     * What a pod really gets: the environment Kubernetes injects for every Service of the namespace (as if
     * enableServiceLinks were on), the downward-API values, and the manifest's own env with its {@code $(VAR)}
     * references expanded; the container's command runs the real entry point, with the image's broker launcher
     * replaced by a stub that prints the generated file. Returns the printed properties.
     */
    private Map<String, String> runEntryPoint(Path dir, int ordinal) throws Exception {
        Path home = dir.resolve("home");
        Path launcher = home.resolve("bin/sluice-broker");
        Files.createDirectories(launcher.getParent());
        Files.writeString(launcher, "#!/usr/bin/env bash\nset -euo pipefail\necho \"# args: $*\"\ncat \"$1\"\n");
        assertThat(launcher.toFile().setExecutable(true)).isTrue();
        Path rack = Files.createDirectories(dir.resolve("rack"));
        Files.writeString(rack.resolve("zone"), "z1\n");

        Map<String, String> env = new TreeMap<>(serviceLinkEnvironment());
        Map<String, Object> container = brokerContainer();
        env.put("HOSTNAME", "sluice-broker-" + ordinal);
        env.putAll(containerEnv(container));
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
        assertThat(run.stderr()).as("no deprecated variable in the manifest").doesNotContain("deprecated");

        Properties printed = new Properties();
        printed.load(new StringReader(run.stdout()));
        Map<String, String> props = new TreeMap<>();
        printed.forEach((k, v) -> props.put((String) k, (String) v));
        return props;
    }

    private static Endpoint advertised(BrokerConfig config, String listener) {
        return config.advertisedListeners().stream()
                .filter(e -> e.listenerName().equals(listener))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no advertised listener " + listener));
    }

    private static Endpoint bound(BrokerConfig config, String listener) {
        return config.listeners().stream()
                .filter(e -> e.listenerName().equals(listener))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no listener " + listener));
    }

    private static int containerPort(Map<String, Object> container, String nameOrNumber) {
        if (nameOrNumber.matches("\\d+")) {
            return Integer.parseInt(nameOrNumber);
        }
        return list(container.get("ports")).stream()
                .map(DockerComposeFileTest::map)
                .filter(p -> nameOrNumber.equals(p.get("name")))
                .map(p -> Integer.parseInt(String.valueOf(p.get("containerPort"))))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no container port named " + nameOrNumber));
    }

    private Map<String, Object> podLabels(String statefulSet) {
        return map(map(map(map(object("StatefulSet", statefulSet).get("spec")).get("template"))
                        .get("metadata"))
                .get("labels"));
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

    /**
     * The container's env as the kubelet resolves it, in order: downward-API fields (for a pod in {@link #NAMESPACE}
     * on {@link #NODE_NAME} with {@link #NODE_IP}), values, and {@code $(NAME)} references to variables defined
     * earlier in the list (an unresolved reference stays as written, as Kubernetes leaves it).
     */
    private static Map<String, String> containerEnv(Map<String, Object> container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Object o : list(container.get("env"))) {
            Map<String, Object> entry = map(o);
            String name = String.valueOf(entry.get("name"));
            if (entry.containsKey("valueFrom")) {
                String field = String.valueOf(
                        map(map(entry.get("valueFrom")).get("fieldRef")).get("fieldPath"));
                env.put(
                        name,
                        switch (field) {
                            case "metadata.namespace" -> NAMESPACE;
                            case "spec.nodeName" -> NODE_NAME;
                            case "status.hostIP" -> NODE_IP;
                            default -> throw new AssertionError("the test does not know the field " + field);
                        });
            } else {
                Matcher ref = VAR_REF.matcher(String.valueOf(entry.get("value")));
                StringBuilder value = new StringBuilder();
                while (ref.find()) {
                    String resolved = env.getOrDefault(ref.group(1), ref.group());
                    ref.appendReplacement(value, Matcher.quoteReplacement(resolved));
                }
                ref.appendTail(value);
                env.put(name, value.toString());
            }
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
