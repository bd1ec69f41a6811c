package io.sluice.broker.tools;

import io.sluice.broker.tools.ClusterAdmin.ClusterView;
import io.sluice.broker.tools.ClusterAdmin.TopicView;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code bin/sluice-admin}: topic, broker and controller administration on the stock Kafka Admin client.
 *
 * <pre>
 * sluice-admin --bootstrap-server HOST:PORT [--json] [--timeout-ms MS] [--zookeeper HOST:PORT] COMMAND
 *   topics list
 *   topics describe [--topic T] [--under-replicated]
 *   topics create --topic T --partitions N --replication-factor R [--config K=V]...
 *   topics alter --topic T [--partitions N] [--config K=V]... [--delete-config K]...
 *   topics delete --topic T
 *   brokers
 *   controller
 *   elect-leaders [--topic T --partition P]
 * </pre>
 *
 * <p>Exit codes: {@code 0} success; {@code 1} the operation failed (the cluster's error on stderr); {@code 2} usage
 * error. With {@code --json} the result is one JSON document on stdout.
 *
 * <p>Concurrency: single-threaded; {@link #run} is called once per process.
 */
public final class AdminCli {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;
    static final int DEFAULT_TIMEOUT_MS = 30_000;

    static final String USAGE = """
            Usage: sluice-admin --bootstrap-server HOST:PORT [--json] [--timeout-ms MS] [--zookeeper HOST:PORT] COMMAND

            Commands:
              topics list                                   names of all topics
              topics describe [--topic T] [--under-replicated]
                                                            partitions with leader, replicas, ISR, offline replicas
              topics create --topic T --partitions N --replication-factor R [--config K=V]...
              topics alter --topic T [--partitions N] [--config K=V]... [--delete-config K]...
              topics delete --topic T
              brokers                                       live brokers with host:port and rack; marks the controller
              controller                                    the controller id, and its epoch when --zookeeper is given
              elect-leaders [--topic T --partition P]       preferred-leader election (all partitions by default)

            Options:
              --bootstrap-server HOST:PORT[,...]   brokers to connect to (required)
              --json                               print one JSON document instead of text
              --timeout-ms MS                      bound of each operation (default 30000)
              --zookeeper HOST:PORT[/chroot]       ZooKeeper, read for the controller epoch
              --help                               this text

            Exit codes: 0 success, 1 the operation failed, 2 usage error.
            """;

    private static final Set<String> VALUED = Set.of(
            "bootstrap-server",
            "timeout-ms",
            "zookeeper",
            "topic",
            "partitions",
            "replication-factor",
            "config",
            "delete-config",
            "partition");
    private static final Set<String> FLAGS = Set.of("json", "help", "under-replicated");
    private static final List<String> GLOBAL = List.of("bootstrap-server", "timeout-ms", "zookeeper", "json");

    /** Opens the cluster connection; the CLI closes it. */
    @FunctionalInterface
    interface Connector {
        ClusterAdmin connect(String bootstrapServers, int timeoutMs, Optional<String> zookeeper);
    }

    private AdminCli() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, KafkaClusterAdmin::connect));
    }

    /** Runs one command; returns the exit code. */
    static int run(String[] args, PrintStream out, PrintStream err, Connector connector) {
        Command command;
        CliArgs cli;
        try {
            cli = CliArgs.parse(args, VALUED, FLAGS);
            if (cli.has("help")) {
                out.print(USAGE);
                return EXIT_OK;
            }
            command = Command.of(cli);
        } catch (UsageException e) {
            err.println("sluice-admin: " + e.getMessage());
            err.println("Run sluice-admin --help for usage.");
            return EXIT_USAGE;
        }
        AdminOutput output = new AdminOutput(out, cli.has("json"));
        try (ClusterAdmin admin = connector.connect(command.bootstrap, command.timeoutMs, command.zookeeper)) {
            return command.execute(admin, output);
        } catch (UsageException e) {
            err.println("sluice-admin: " + e.getMessage());
            return EXIT_USAGE;
        } catch (AdminOperationException e) {
            err.println("sluice-admin: " + e.getMessage());
            return EXIT_FAILED;
        } catch (RuntimeException e) {
            err.println("sluice-admin: " + e);
            return EXIT_FAILED;
        }
    }

    /** A validated command line, ready to run. */
    private static final class Command {
        private final String name;
        private final CliArgs args;
        private final String bootstrap;
        private final int timeoutMs;
        private final Optional<String> zookeeper;

        private Command(String name, CliArgs args, String bootstrap, int timeoutMs, Optional<String> zookeeper) {
            this.name = name;
            this.args = args;
            this.bootstrap = bootstrap;
            this.timeoutMs = timeoutMs;
            this.zookeeper = zookeeper;
        }

        static Command of(CliArgs cli) throws UsageException {
            List<String> words = cli.positionals();
            if (words.isEmpty()) {
                throw new UsageException("No command given");
            }
            String name;
            List<String> allowed;
            int arity;
            switch (words.get(0)) {
                case "topics" -> {
                    if (words.size() < 2) {
                        throw new UsageException("'topics' needs one of: list, describe, create, alter, delete");
                    }
                    name = "topics " + words.get(1);
                    arity = 2;
                    allowed = switch (words.get(1)) {
                        case "list" -> List.of();
                        case "describe" -> List.of("topic", "under-replicated");
                        case "create" -> List.of("topic", "partitions", "replication-factor", "config");
                        case "alter" -> List.of("topic", "partitions", "config", "delete-config");
                        case "delete" -> List.of("topic");
                        default -> throw new UsageException("Unknown topics command '" + words.get(1) + "'");
                    };
                }
                case "brokers", "controller" -> {
                    name = words.get(0);
                    arity = 1;
                    allowed = List.of();
                }
                case "elect-leaders" -> {
                    name = words.get(0);
                    arity = 1;
                    allowed = List.of("topic", "partition");
                }
                default -> throw new UsageException("Unknown command '" + words.get(0) + "'");
            }
            if (words.size() > arity) {
                throw new UsageException("Unexpected argument '" + words.get(arity) + "' after '" + name + "'");
            }
            List<String> all = new ArrayList<>(GLOBAL);
            all.addAll(allowed);
            cli.allowOnly(name, all);
            String bootstrap = cli.required("bootstrap-server");
            int timeoutMs = cli.intValue("timeout-ms").orElse(DEFAULT_TIMEOUT_MS);
            if (timeoutMs <= 0) {
                throw new UsageException("--timeout-ms must be positive");
            }
            Command command = new Command(name, cli, bootstrap, timeoutMs, cli.value("zookeeper"));
            command.validate();
            return command;
        }

        /** Checks the command's own options before connecting, so usage errors never need a cluster. */
        private void validate() throws UsageException {
            switch (name) {
                case "topics create" -> {
                    args.required("topic");
                    positive("partitions", args.intValue("partitions"), true);
                    int rf = positive("replication-factor", args.intValue("replication-factor"), true);
                    if (rf > Short.MAX_VALUE) {
                        throw new UsageException("--replication-factor is too large");
                    }
                    args.keyValues("config");
                }
                case "topics alter" -> {
                    args.required("topic");
                    positive("partitions", args.intValue("partitions"), false);
                    Map<String, String> set = args.keyValues("config");
                    for (String key : args.values("delete-config")) {
                        if (set.containsKey(key)) {
                            throw new UsageException(key + " is both set and deleted");
                        }
                    }
                    if (!args.has("partitions") && set.isEmpty() && !args.has("delete-config")) {
                        throw new UsageException("'topics alter' needs --partitions, --config or --delete-config");
                    }
                }
                case "topics delete" -> args.required("topic");
                case "topics describe" -> args.value("topic");
                case "elect-leaders" -> {
                    if (args.has("partition") != args.has("topic")) {
                        throw new UsageException("'elect-leaders' takes --topic and --partition together");
                    }
                    Optional<Integer> partition = args.intValue("partition");
                    if (partition.isPresent() && partition.get() < 0) {
                        throw new UsageException("--partition must not be negative");
                    }
                }
                default -> {
                    // topics list, brokers and controller take no options of their own.
                }
            }
        }

        private static int positive(String option, Optional<Integer> value, boolean required) throws UsageException {
            if (value.isEmpty()) {
                if (required) {
                    throw new UsageException("Missing required option --" + option);
                }
                return 0;
            }
            if (value.get() <= 0) {
                throw new UsageException("--" + option + " must be positive, got " + value.get());
            }
            return value.get();
        }

        int execute(ClusterAdmin admin, AdminOutput output) throws UsageException {
            switch (name) {
                case "topics list" -> output.topicList(admin.listTopics());
                case "topics describe" -> {
                    List<TopicView> topics = admin.describeTopics(
                            args.value("topic").map(List::of).orElse(List.of()));
                    output.topicDescriptions(topics, args.has("under-replicated"));
                }
                case "topics create" -> {
                    String topic = args.required("topic");
                    admin.createTopic(
                            topic,
                            args.intValue("partitions").orElseThrow(),
                            args.intValue("replication-factor").orElseThrow().shortValue(),
                            args.keyValues("config"));
                    output.done(topic, "created", "Created topic " + topic + ".");
                }
                case "topics alter" -> {
                    String topic = args.required("topic");
                    StringBuilder what = new StringBuilder("Altered topic " + topic + ":");
                    Optional<Integer> partitions = args.intValue("partitions");
                    if (partitions.isPresent()) {
                        admin.createPartitions(topic, partitions.get());
                        what.append(" partitions=").append(partitions.get());
                    }
                    Map<String, String> set = args.keyValues("config");
                    List<String> delete = args.values("delete-config");
                    if (!set.isEmpty() || !delete.isEmpty()) {
                        admin.alterTopicConfigs(topic, set, delete);
                        set.forEach((k, v) ->
                                what.append(" set ").append(k).append('=').append(v));
                        delete.forEach(k -> what.append(" deleted ").append(k));
                    }
                    output.done(topic, "altered", what.append('.').toString());
                }
                case "topics delete" -> {
                    String topic = args.required("topic");
                    admin.deleteTopic(topic);
                    output.done(topic, "deleted", "Deleted topic " + topic + ".");
                }
                case "brokers" -> output.brokers(admin.describeCluster());
                case "controller" -> {
                    ClusterView cluster = admin.describeCluster();
                    OptionalInt epoch = admin.controllerEpoch();
                    output.controller(cluster.controllerId(), epoch, zookeeper.isPresent());
                    if (cluster.controllerId() < 0) {
                        return EXIT_FAILED;
                    }
                }
                case "elect-leaders" -> {
                    Set<TopicPartition> partitions = args.has("topic")
                            ? Set.of(new TopicPartition(
                                    args.required("topic"),
                                    args.intValue("partition").orElseThrow()))
                            : Set.of();
                    Map<TopicPartition, Optional<String>> results = admin.electPreferredLeaders(partitions);
                    output.elections(results);
                    if (results.values().stream().anyMatch(Optional::isPresent)) {
                        return EXIT_FAILED;
                    }
                }
                default -> throw new IllegalStateException("Unhandled command " + name);
            }
            return EXIT_OK;
        }
    }
}
