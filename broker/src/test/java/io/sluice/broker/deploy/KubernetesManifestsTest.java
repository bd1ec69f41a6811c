package io.sluice.broker.deploy;

import static io.sluice.broker.deploy.DockerComposeFileTest.list;
import static io.sluice.broker.deploy.DockerComposeFileTest.map;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.metadata.config.BrokerConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Static checks of {@code deploy/kubernetes/*.yaml}. */
@Timeout(60)
class KubernetesManifestsTest {
    private static final List<String> FILES = List.of("rbac.yaml", "zookeeper.yaml", "broker.yaml");

    private final List<Map<String, Object>> objects = load();

    private static List<Map<String, Object>> load() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String file : FILES) {
            for (Object doc : MiniYaml.parseAll(RepoFiles.read("deploy/kubernetes/" + file))) {
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
        Map<String, Object> kustomization = map(MiniYaml.parse(RepoFiles.read("deploy/kubernetes/kustomization.yaml")));
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
        assertThat(port.get("containerPort")).isEqualTo(env(broker).get("SLUICE_METRICS_PORT"));
    }

    @Test
    void rackComesFromTheNodesZoneLabel() {
        Map<String, Object> podSpec = brokerPodSpec();
        Map<String, Object> init = map(list(podSpec.get("initContainers")).get(0));
        String initScript = String.join(
                " ", list(init.get("command")).stream().map(String::valueOf).toList());
        assertThat(initScript).contains("kubectl get node").contains("topology\\.kubernetes\\.io/zone");
        assertThat(map(map(map(list(init.get("env")).get(0)).get("valueFrom")).get("fieldRef"))
                        .get("fieldPath"))
                .isEqualTo("spec.nodeName");
        String brokerScript = String.join(
                " ",
                list(brokerContainer().get("command")).stream()
                        .map(String::valueOf)
                        .toList());
        assertThat(brokerScript).contains("SLUICE_BROKER_RACK").contains("/etc/sluice/rack/zone");
        assertThat(podSpec.get("serviceAccountName")).isEqualTo("sluice-broker");

        Map<String, Object> role = object("ClusterRole", "sluice-broker-node-reader");
        Map<String, Object> rule = map(list(role.get("rules")).get(0));
        assertThat(list(rule.get("resources"))).containsExactly("nodes");
        assertThat(list(rule.get("verbs"))).containsExactly("get");
        object("ServiceAccount", "sluice-broker");
    }

    @Test
    void brokerEnvironmentIsAValidConfigOnceTheStartScriptFillsInTheRest() {
        Map<String, String> env = env(brokerContainer());
        // What the container command exports for pod sluice-broker-0 in namespace default, zone z1:
        env.put("SLUICE_BROKER_ID", "1");
        env.put("SLUICE_BROKER_RACK", "z1");
        env.put(
                "SLUICE_ADVERTISED_LISTENERS",
                "PLAINTEXT://sluice-broker-0.sluice-broker-headless.default.svc.cluster.local:9092");

        BrokerConfig config = BrokerConfig.fromMap(BrokerEnv.toProperties(env), () -> "localhost");

        assertThat(config.zookeeperConnect().connectString()).contains("sluice-zookeeper-0.sluice-zookeeper-headless");
        assertThat(config.metricsPort()).isEqualTo(9404);
        assertThat(config.advertisedListeners().get(0).port())
                .isEqualTo(config.listeners().get(0).port());
    }

    private Map<String, Object> brokerPodSpec() {
        return map(map(map(object("StatefulSet", "sluice-broker").get("spec")).get("template"))
                .get("spec"));
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
