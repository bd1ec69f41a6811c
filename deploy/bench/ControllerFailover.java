import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * Controller failover at scale against a running cluster (bin/sluice-cluster up): "create" makes 10 topics x 300
 * partitions RF 3 and prints the controller id; "wait DEAD_BROKER KILL_NANOS" polls Admin.describeTopics until every
 * partition has a live leader other than DEAD_BROKER and prints the time since KILL_NANOS (CLOCK_MONOTONIC, e.g.
 * python3 -c 'import time; print(time.monotonic_ns())' taken right before kill -9 of that broker's pid).
 * Run with the kafka-tools classpath fetched by kafka-perf.sh:
 *   java -cp "deploy/bench/target/kafka-tools-3.9.2/lib/*" deploy/bench/ControllerFailover.java HOST:PORT create
 */
public class ControllerFailover {
    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String mode = args[1];
        int topics = 10, parts = 300;
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 120000);
        try (Admin admin = Admin.create(p)) {
            List<String> names = new ArrayList<>();
            for (int t = 0; t < topics; t++) names.add("scale-" + t);
            if (mode.equals("create")) {
                List<NewTopic> nt = new ArrayList<>();
                for (String n : names) nt.add(new NewTopic(n, parts, (short) 3));
                admin.createTopics(nt).all().get(120, TimeUnit.SECONDS);
                long start = System.nanoTime();
                while (leaderless(admin, names, -1) > 0) Thread.sleep(200);
                System.out.printf("created; all led after %d ms%n", (System.nanoTime() - start) / 1_000_000);
                System.out.println("controller " + admin.describeCluster().controller().get().id());
            } else {
                int dead = Integer.parseInt(args[2]);
                long killedAtNanos = Long.parseLong(args[3]);
                while (true) {
                    int missing = leaderless(admin, names, dead);
                    if (missing == 0) break;
                    Thread.sleep(100);
                }
                long now = System.nanoTime();
                System.out.printf("all %d partitions led by live brokers %d ms after the kill%n", topics * parts, (now - killedAtNanos) / 1_000_000);
            }
        }
    }

    static int leaderless(Admin admin, List<String> names, int dead) throws Exception {
        int n = 0;
        try {
            for (TopicDescription d : admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS).values())
                for (TopicPartitionInfo i : d.partitions())
                    if (i.leader() == null || i.leader().isEmpty() || i.leader().id() == dead) n++;
        } catch (Exception e) { return Integer.MAX_VALUE; }
        return n;
    }
}
