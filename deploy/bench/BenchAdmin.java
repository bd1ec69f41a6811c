import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The topic and cluster chores of deploy/bench/side-by-side.sh, through the Kafka Admin client, so that they work the
 * same against Sluice and Apache Kafka. A command-line tool: results on standard output, progress on standard error.
 *
 * <ul>
 *   <li>{@code await-brokers N}: waits until the cluster describes N brokers and a controller;
 *   <li>{@code create TOPIC PARTITIONS RF [key=value ...]}: creates the topic (retrying while an earlier topic of the
 *       same name is still being deleted) and waits until every partition has a leader and a full ISR;
 *   <li>{@code delete TOPIC ...}: deletes the topics and waits until they are no longer listed;
 *   <li>{@code controller}: prints the controller's broker id.
 * </ul>
 *
 * Every wait gives up after 5 minutes with exit code 1. Usage: {@code BenchAdmin BOOTSTRAP COMMAND ARGS...}
 */
public class BenchAdmin {
    private static final Duration GIVE_UP = Duration.ofMinutes(5);
    private static final long POLL_MS = 100;

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            usage();
        }
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 120_000);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 60_000);
        long deadline = System.nanoTime() + GIVE_UP.toNanos();
        try (Admin admin = Admin.create(props)) {
            switch (args[1]) {
                case "await-brokers" -> awaitBrokers(admin, Integer.parseInt(args[2]), deadline);
                case "create" -> create(admin, args, deadline);
                case "delete" -> delete(admin, List.of(args).subList(2, args.length), deadline);
                case "controller" -> System.out.println(
                        admin.describeCluster().controller().get().id());
                default -> usage();
            }
        }
    }

    private static void usage() {
        System.err.println("usage: BenchAdmin BOOTSTRAP await-brokers N | create TOPIC PARTITIONS RF [key=value ...]"
                + " | delete TOPIC ... | controller");
        System.exit(2);
    }

    private static void awaitBrokers(Admin admin, int wanted, long deadline) throws Exception {
        String last = "";
        while (System.nanoTime() - deadline < 0) {
            try {
                int brokers = admin.describeCluster().nodes().get().size();
                var controller = admin.describeCluster().controller().get();
                if (brokers >= wanted && controller != null && !controller.isEmpty()) {
                    return;
                }
                last = brokers + " brokers described, controller " + controller;
            } catch (ExecutionException e) {
                last = e.getCause().toString();
            }
            Thread.sleep(POLL_MS);
        }
        fail("the cluster did not describe " + wanted + " brokers and a controller: " + last);
    }

    private static void create(Admin admin, String[] args, long deadline) throws Exception {
        String topic = args[2];
        int partitions = Integer.parseInt(args[3]);
        short rf = Short.parseShort(args[4]);
        Map<String, String> configs = new HashMap<>();
        for (int i = 5; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            configs.put(kv[0], kv[1]);
        }
        long start = System.nanoTime();
        while (true) {
            try {
                admin.createTopics(List.of(new NewTopic(topic, partitions, rf).configs(configs)))
                        .all()
                        .get(120, TimeUnit.SECONDS);
                break;
            } catch (ExecutionException e) {
                // an earlier topic of this name may still be being deleted: retry until it is gone
                if (!(e.getCause() instanceof TopicExistsException) || System.nanoTime() - deadline >= 0) {
                    throw e;
                }
                Thread.sleep(500);
            }
        }
        String last = "";
        while (System.nanoTime() - deadline < 0) {
            try {
                TopicDescription d = admin.describeTopics(List.of(topic))
                        .allTopicNames()
                        .get(30, TimeUnit.SECONDS)
                        .get(topic);
                int notReady = 0;
                for (TopicPartitionInfo p : d.partitions()) {
                    if (p.leader() == null || p.leader().isEmpty() || p.isr().size() < rf) {
                        notReady++;
                    }
                }
                if (d.partitions().size() == partitions && notReady == 0) {
                    System.err.printf(
                            "created %s (%d partitions, RF %d) in %d ms%n",
                            topic, partitions, rf, (System.nanoTime() - start) / 1_000_000);
                    return;
                }
                last = notReady + " of " + d.partitions().size() + " partitions without a leader or a full ISR";
            } catch (ExecutionException e) {
                last = e.getCause().toString();
            }
            Thread.sleep(POLL_MS);
        }
        fail("topic " + topic + " not ready: " + last);
    }

    private static void delete(Admin admin, List<String> topics, long deadline) throws Exception {
        Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
        List<String> present = new ArrayList<>(topics);
        present.retainAll(existing);
        if (present.isEmpty()) {
            return;
        }
        admin.deleteTopics(present).all().get(120, TimeUnit.SECONDS);
        while (System.nanoTime() - deadline < 0) {
            Set<String> names = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            if (present.stream().noneMatch(names::contains)) {
                return;
            }
            Thread.sleep(POLL_MS);
        }
        fail("topics " + present + " still listed after their deletion");
    }

    private static void fail(String message) {
        System.err.println("BenchAdmin: " + message);
        System.exit(1);
    }
}
