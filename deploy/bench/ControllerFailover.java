import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * Controller failover at scale against a running cluster (bin/sluice-cluster up). A command-line benchmark: its
 * results go to standard output.
 *
 * <ul>
 *   <li>{@code create}: makes 10 topics x 300 partitions RF 3, waits until every partition has a leader, prints the
 *       time that took and the controller id;
 *   <li>{@code settle}: waits until every partition's ISR holds all its replicas (after a killed broker returned);
 *   <li>{@code controller}: prints the active controller's id;
 *   <li>{@code wait DEAD_BROKER KILL_NANOS}: polls Admin.describeTopics until every partition has a live leader other
 *       than DEAD_BROKER and prints the time since KILL_NANOS (CLOCK_MONOTONIC, e.g.
 *       {@code python3 -c 'import time; print(time.monotonic_ns())'} taken right before {@code kill -9} of that
 *       broker's pid);
 *   <li>{@code kill DEAD_BROKER PID}: sends SIGKILL to process PID (broker DEAD_BROKER) itself, then waits as
 *       {@code wait} does and also prints {@code RESULT failover_ms=N}.
 * </ul>
 *
 * The topics' count and partitions come from the system properties {@code failover.topics} (default 10) and
 * {@code failover.partitions} (default 300). Every phase gives up after {@code failover.giveUpSeconds} (default 300).
 * Run with the kafka-tools classpath fetched by kafka-perf.sh:
 * {@code java -cp "deploy/bench/target/kafka-tools-3.9.2/lib/*" deploy/bench/ControllerFailover.java HOST:PORT create}
 */
public class ControllerFailover {
    private static final int TOPICS = Integer.getInteger("failover.topics", 10);
    private static final int PARTITIONS = Integer.getInteger("failover.partitions", 300);
    private static final Duration GIVE_UP = Duration.ofSeconds(Long.getLong("failover.giveUpSeconds", 300));
    /** Between two describeTopics rounds: the measurement's resolution, small against the seconds measured. */
    private static final long POLL_MS = 100;

    public static void main(String[] args) throws Exception {
        if (args.length < 2
                || ((args[1].equals("wait") || args[1].equals("kill")) && args.length < 4)
                || (args[1].equals("left") && args.length < 3)) {
            System.err.println("usage: ControllerFailover BOOTSTRAP create | BOOTSTRAP wait DEAD_BROKER KILL_NANOS"
                    + " | BOOTSTRAP kill DEAD_BROKER PID | BOOTSTRAP settle | BOOTSTRAP left BROKER | BOOTSTRAP controller");
            System.exit(2);
        }
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) GIVE_UP.toMillis());
        // creating thousands of partitions can take a busy controller longer than the default 30 s
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) GIVE_UP.toMillis());
        List<String> names = new ArrayList<>();
        for (int t = 0; t < TOPICS; t++) {
            names.add("scale-" + t);
        }
        try (Admin admin = Admin.create(props)) {
            if (args[1].equals("create")) {
                List<NewTopic> topics = new ArrayList<>();
                for (String name : names) {
                    topics.add(new NewTopic(name, PARTITIONS, (short) 3));
                }
                long requested = System.nanoTime();
                admin.createTopics(topics, new CreateTopicsOptions().timeoutMs((int) GIVE_UP.toMillis()))
                        .all()
                        .get(GIVE_UP.toSeconds(), TimeUnit.SECONDS);
                long start = System.nanoTime();
                awaitAllLed(admin, names, -1, start);
                System.out.printf("created; all led after %d ms%n", (System.nanoTime() - start) / 1_000_000);
                System.out.println("RESULT create_ms=" + (System.nanoTime() - requested) / 1_000_000);
                System.out.println("controller " + admin.describeCluster().controller().get().id());
            } else if (args[1].equals("settle")) {
                long start = System.nanoTime();
                awaitFullIsr(admin, names, start);
                long ms = (System.nanoTime() - start) / 1_000_000;
                System.out.printf("every ISR full after %d ms%n", ms);
                System.out.println("RESULT settle_ms=" + ms);
            } else if (args[1].equals("left")) {
                int gone = Integer.parseInt(args[2]);
                long start = System.nanoTime();
                awaitLeftIsrs(admin, names, gone, start);
                long ms = (System.nanoTime() - start) / 1_000_000;
                System.out.printf("broker %d in no ISR after %d ms%n", gone, ms);
                System.out.println("RESULT left_ms=" + ms);
            } else if (args[1].equals("controller")) {
                System.out.println("controller " + admin.describeCluster().controller().get().id());
            } else if (args[1].equals("kill")) {
                int dead = Integer.parseInt(args[2]);
                ProcessHandle broker = ProcessHandle.of(Long.parseLong(args[3]))
                        .orElseThrow(() -> new IllegalStateException("no process " + args[3]));
                long killedAt = System.nanoTime();
                broker.destroyForcibly();
                awaitAllLed(admin, names, dead, killedAt);
                long ms = (System.nanoTime() - killedAt) / 1_000_000;
                System.out.printf("all %d partitions led by live brokers %d ms after the kill%n", TOPICS * PARTITIONS, ms);
                System.out.println("RESULT failover_ms=" + ms);
            } else {
                int dead = Integer.parseInt(args[2]);
                long killedAt = Long.parseLong(args[3]);
                awaitAllLed(admin, names, dead, killedAt);
                System.out.printf(
                        "all %d partitions led by live brokers %d ms after the kill%n",
                        TOPICS * PARTITIONS, (System.nanoTime() - killedAt) / 1_000_000);
            }
        }
    }

    private static void awaitAllLed(Admin admin, List<String> names, int dead, long since) throws Exception {
        long deadline = since + GIVE_UP.toNanos();
        String last = "";
        while (System.nanoTime() - deadline < 0) {
            try {
                int missing = leaderless(admin, names, dead);
                if (missing == 0) {
                    return;
                }
                last = missing + " partitions without a live leader";
            } catch (Exception e) { // the cluster is failing over: brokers may refuse or time out; poll again
                last = e.toString();
            }
            Thread.sleep(POLL_MS);
        }
        throw new IllegalStateException("gave up after " + GIVE_UP + ": " + last);
    }

    private static void awaitFullIsr(Admin admin, List<String> names, long since) throws Exception {
        long deadline = since + GIVE_UP.toNanos();
        String last = "";
        while (System.nanoTime() - deadline < 0) {
            try {
                int shrunk = 0;
                for (TopicDescription d : admin.describeTopics(names)
                        .allTopicNames()
                        .get(30, TimeUnit.SECONDS)
                        .values()) {
                    for (TopicPartitionInfo p : d.partitions()) {
                        if (p.isr().size() < p.replicas().size()) {
                            shrunk++;
                        }
                    }
                }
                if (shrunk == 0) {
                    return;
                }
                last = shrunk + " partitions with a shrunk ISR";
            } catch (Exception e) { // a busy cluster may answer slowly: poll again
                last = e.toString();
            }
            Thread.sleep(POLL_MS);
        }
        throw new IllegalStateException("gave up after " + GIVE_UP + " waiting for full ISRs: " + last);
    }

    private static void awaitLeftIsrs(Admin admin, List<String> names, int gone, long since) throws Exception {
        long deadline = since + GIVE_UP.toNanos();
        String last = "";
        while (System.nanoTime() - deadline < 0) {
            try {
                int with = 0;
                for (TopicDescription d : admin.describeTopics(names)
                        .allTopicNames()
                        .get(30, TimeUnit.SECONDS)
                        .values()) {
                    for (TopicPartitionInfo p : d.partitions()) {
                        if (p.isr().stream().anyMatch(n -> n.id() == gone)) {
                            with++;
                        }
                    }
                }
                if (with == 0) {
                    return;
                }
                last = with + " partitions with broker " + gone + " in the ISR";
            } catch (Exception e) { // a busy cluster may answer slowly: poll again
                last = e.toString();
            }
            Thread.sleep(POLL_MS);
        }
        throw new IllegalStateException(
                "gave up after " + GIVE_UP + " waiting for broker " + gone + " to leave every ISR: " + last);
    }

    private static int leaderless(Admin admin, List<String> names, int dead) throws Exception {
        int missing = 0;
        for (TopicDescription d :
                admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS).values()) {
            for (TopicPartitionInfo p : d.partitions()) {
                if (p.leader() == null || p.leader().isEmpty() || p.leader().id() == dead) {
                    missing++;
                }
            }
        }
        return missing;
    }
}
