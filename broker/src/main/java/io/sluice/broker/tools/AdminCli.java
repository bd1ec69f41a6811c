package io.sluice.broker.tools;

import io.sluice.broker.tools.ClusterAdmin.ClusterView;
import io.sluice.broker.tools.ClusterAdmin.TopicView;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.kafka.common.TopicPartition;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code bin/sluice-admin}: topic, broker, controller, consumer-group and cluster-health administration plus a console
 * producer and consumer, on the stock Kafka clients. The command model is picocli's; {@code sluice-admin --help} and
 * {@code sluice-admin COMMAND --help} print it, and {@code sluice-admin generate-completion} prints a bash/zsh
 * completion script generated from it.
 *
 * <p>Exit codes: {@code 0} success; {@code 1} the operation failed (the cluster's error on stderr); {@code 2} usage
 * error. With {@code --json} the result is one JSON document on stdout.
 *
 * <p>The bootstrap servers come from {@code --bootstrap-server}, else the {@code SLUICE_BOOTSTRAP_SERVERS} environment
 * variable, else the client properties' {@code bootstrap.servers}, else {@value #DEFAULT_BOOTSTRAP}. The client
 * properties (security settings and any other Kafka client config, as {@code kafka-*.sh --command-config} takes them)
 * come from {@code --command-config FILE}, else the file named by {@code SLUICE_ADMIN_CONFIG}, else
 * {@code $XDG_CONFIG_HOME/sluice/admin.properties} (or {@code ~/.config/sluice/admin.properties}) when it exists.
 *
 * <p>Concurrency: single-threaded; {@link #run} is called once per process (tests call it repeatedly, each call with
 * its own command model).
 */
@Command(
        name = "sluice-admin",
        mixinStandardHelpOptions = true,
        versionProvider = AdminCli.Version.class,
        sortOptions = false,
        usageHelpAutoWidth = false,
        description = "Administers a Sluice (or Kafka) cluster through the stock Kafka clients.",
        subcommands = {
            AdminCli.Topics.class,
            AdminCli.Brokers.class,
            AdminCli.Controller.class,
            AdminCli.ElectLeaders.class,
            HealthCommand.Cluster.class,
            ProduceCommand.class,
            ConsumeCommand.class,
            GroupsCommand.class,
            ConfigsCommand.class,
            ReassignCommands.Decommission.class,
            ReassignCommands.Rebalance.class,
            ReassignCommands.Reassignments.class,
            AutoComplete.GenerateCompletion.class
        },
        footer = {
            "",
            "Bootstrap servers: --bootstrap-server, else $SLUICE_BOOTSTRAP_SERVERS, else bootstrap.servers of the client"
                    + " properties, else " + AdminCli.DEFAULT_BOOTSTRAP + ".",
            "Client properties: --command-config FILE, else the file $SLUICE_ADMIN_CONFIG names, else"
                    + " ~/.config/sluice/admin.properties when it exists.",
            "Global options (--bootstrap-server, --json, --timeout-ms, --zookeeper) may appear before or after the"
                    + " command.",
            "Exit codes: 0 success, 1 the operation failed, 2 usage error."
        })
public final class AdminCli implements Runnable {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;
    static final int DEFAULT_TIMEOUT_MS = 30_000;
    static final String DEFAULT_BOOTSTRAP = "127.0.0.1:9092";
    static final String BOOTSTRAP_ENV = "SLUICE_BOOTSTRAP_SERVERS";
    static final String CONFIG_ENV = "SLUICE_ADMIN_CONFIG";

    /** Opens the cluster connection; the CLI closes it. */
    @FunctionalInterface
    interface Connector {
        ClusterAdmin connect(
                String bootstrapServers,
                Map<String, String> clientProperties,
                int timeoutMs,
                Optional<String> zookeeper);
    }

    @Mixin
    GlobalOptions globals;

    @Spec
    CommandSpec spec;

    final InputStream in;
    final PrintStream out;
    final PrintStream err;
    final Connector connector;
    final Map<String, String> env;

    private String bootstrap;
    private Path commandConfig;
    private Map<String, String> clientProperties;
    private Integer timeoutMs;
    private String zookeeper;
    private boolean json;

    private AdminCli(InputStream in, PrintStream out, PrintStream err, Connector connector, Map<String, String> env) {
        this.in = in;
        this.out = out;
        this.err = err;
        this.connector = connector;
        this.env = env;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.in, System.out, System.err, KafkaClusterAdmin::connect, System.getenv()));
    }

    /** Runs one command with no stdin and the process environment; returns the exit code. */
    static int run(String[] args, PrintStream out, PrintStream err, Connector connector) {
        return run(args, InputStream.nullInputStream(), out, err, connector, System.getenv());
    }

    /** Runs one command; returns the exit code. */
    static int run(
            String[] args,
            InputStream in,
            PrintStream out,
            PrintStream err,
            Connector connector,
            Map<String, String> env) {
        AdminCli root = new AdminCli(in, out, err, connector, env);
        CommandLine cli = commandLine(root);
        PrintWriter outWriter = new PrintWriter(out, true, StandardCharsets.UTF_8);
        PrintWriter errWriter = new PrintWriter(err, true, StandardCharsets.UTF_8);
        cli.setOut(outWriter);
        cli.setErr(errWriter);
        cli.setParameterExceptionHandler((e, ignored) -> {
            errWriter.println("sluice-admin: " + usageMessage(e));
            errWriter.println("Run '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            errWriter.println("sluice-admin: "
                    + (e instanceof AdminOperationException || e instanceof UsageException
                            ? e.getMessage()
                            : e.toString()));
            return e instanceof UsageException ? EXIT_USAGE : EXIT_FAILED;
        });
        int code = cli.execute(args);
        outWriter.flush();
        errWriter.flush();
        return code;
    }

    /** The command model, for completion scripts and tests. */
    static CommandLine commandLine(AdminCli root) {
        return new CommandLine(root).setCaseInsensitiveEnumValuesAllowed(true);
    }

    static CommandLine commandLine() {
        return commandLine(new AdminCli(
                InputStream.nullInputStream(), System.out, System.err, KafkaClusterAdmin::connect, System.getenv()));
    }

    private static String usageMessage(ParameterException e) {
        if (e instanceof UnmatchedArgumentException unmatched
                && !unmatched.getUnmatched().isEmpty()) {
            String first = unmatched.getUnmatched().get(0);
            String command =
                    e.getCommandLine().getCommandSpec().qualifiedName(" ").replaceFirst("^sluice-admin ?", "");
            if (first.startsWith("-")) {
                int eq = first.indexOf('=');
                return "Unknown option " + (eq > 0 ? first.substring(0, eq) : first)
                        + (command.isEmpty() ? "" : " for '" + command + "'");
            }
            return command.isEmpty()
                    ? "Unknown command '" + first + "'"
                    : "Unexpected argument '" + first + "' after '" + command + "'";
        }
        return e.getMessage();
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "No command given");
    }

    // ------------------------------------------------------------------ shared state of one run

    String bootstrapServers() throws UsageException {
        if (bootstrap != null) {
            return bootstrap;
        }
        String fromEnv = env.get(BOOTSTRAP_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.trim();
        }
        String fromFile = clientProperties().get("bootstrap.servers");
        return fromFile == null || fromFile.isBlank() ? DEFAULT_BOOTSTRAP : fromFile.trim();
    }

    /**
     * The Kafka client properties every connection of this run gets (without {@code bootstrap.servers}, which
     * {@link #bootstrapServers} resolves): read once from the first of {@code --command-config},
     * {@code $SLUICE_ADMIN_CONFIG} and the default profile file (only that one may be absent).
     *
     * @throws UsageException naming the file when a named file is missing or unreadable
     */
    Map<String, String> clientProperties() throws UsageException {
        if (clientProperties == null) {
            clientProperties = readClientProperties();
        }
        return clientProperties;
    }

    private Map<String, String> readClientProperties() throws UsageException {
        Path file;
        String source;
        if (commandConfig != null) {
            file = commandConfig;
            source = "--command-config";
        } else if (env.get(CONFIG_ENV) != null && !env.get(CONFIG_ENV).isBlank()) {
            file = Path.of(env.get(CONFIG_ENV).trim());
            source = "$" + CONFIG_ENV;
        } else {
            Optional<Path> profile = defaultProfile();
            if (profile.isEmpty() || !Files.isRegularFile(profile.get())) {
                return Map.of();
            }
            file = profile.get();
            source = "the default profile";
        }
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            throw new UsageException("Cannot read the client properties file " + file + " (" + source + "): " + e);
        }
        Map<String, String> out = new TreeMap<>();
        props.stringPropertyNames().forEach(k -> out.put(k, props.getProperty(k).trim()));
        return Map.copyOf(out);
    }

    /** {@code $XDG_CONFIG_HOME/sluice/admin.properties}, else {@code $HOME/.config/sluice/admin.properties}. */
    private Optional<Path> defaultProfile() {
        String xdg = env.get("XDG_CONFIG_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Optional.of(Path.of(xdg, "sluice", "admin.properties"));
        }
        String home = env.get("HOME");
        return home == null || home.isBlank()
                ? Optional.empty()
                : Optional.of(Path.of(home, ".config", "sluice", "admin.properties"));
    }

    /** {@code props} with the client properties of this run and the bootstrap servers, for the CLI's own clients. */
    Properties clientConfig() throws UsageException {
        Properties props = new Properties();
        props.putAll(clientProperties());
        props.put("bootstrap.servers", bootstrapServers());
        return props;
    }

    /** The operation bound; a usage error when not positive. */
    int timeoutMs() throws UsageException {
        int value = timeoutMs == null ? DEFAULT_TIMEOUT_MS : timeoutMs;
        if (value <= 0) {
            throw new UsageException("--timeout-ms must be positive, got " + value);
        }
        return value;
    }

    /** {@code --timeout-ms} when given. */
    Optional<Integer> explicitTimeoutMs() {
        return Optional.ofNullable(timeoutMs);
    }

    boolean json() {
        return json;
    }

    AdminOutput output() {
        return new AdminOutput(out, json);
    }

    ClusterAdmin connect() throws UsageException {
        return connector.connect(bootstrapServers(), clientProperties(), timeoutMs(), Optional.ofNullable(zookeeper));
    }

    static AdminCli root(CommandSpec spec) {
        return (AdminCli) spec.root().userObject();
    }

    /**
     * {@code k=v} values of a repeatable option, in order, keys and values trimmed.
     *
     * @throws UsageException for a value without {@code =} or a key given twice
     */
    static Map<String, String> keyValues(String option, List<String> values) throws UsageException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String kv : values) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("Option " + option + " needs key=value, got '" + kv + "'");
            }
            String key = kv.substring(0, eq).trim();
            if (out.put(key, kv.substring(eq + 1).trim()) != null) {
                throw new UsageException("Option " + option + " sets " + key + " twice");
            }
        }
        return out;
    }

    static int positive(String option, Integer value) throws UsageException {
        if (value != null && value <= 0) {
            throw new UsageException(option + " must be positive, got " + value);
        }
        return value == null ? 0 : value;
    }

    /**
     * The options every command takes, before or after its name. Their values are kept on the root command so that
     * {@code sluice-admin --json topics list} and {@code sluice-admin topics list --json} mean the same.
     */
    static final class GlobalOptions {
        @Spec(Spec.Target.MIXEE)
        CommandSpec mixee;

        private AdminCli root() {
            return AdminCli.root(mixee);
        }

        private void once(Object current, String option) {
            if (current != null) {
                throw new ParameterException(mixee.commandLine(), "Option " + option + " given more than once");
            }
        }

        @Option(
                names = "--bootstrap-server",
                paramLabel = "HOST:PORT[,...]",
                description =
                        "Brokers to connect to (default: $" + BOOTSTRAP_ENV + ", else " + DEFAULT_BOOTSTRAP + ").")
        void bootstrap(String value) {
            once(root().bootstrap, "--bootstrap-server");
            if (value.isBlank()) {
                throw new ParameterException(mixee.commandLine(), "Option --bootstrap-server needs a value");
            }
            root().bootstrap = value.trim();
        }

        @Option(
                names = "--command-config",
                paramLabel = "FILE",
                description = "Kafka client properties for every connection (security.protocol, sasl.*, ssl.*, ...;"
                        + " default: the file $" + CONFIG_ENV + " names, else ~/.config/sluice/admin.properties"
                        + " when it exists).")
        void commandConfig(Path value) {
            once(root().commandConfig, "--command-config");
            root().commandConfig = value;
        }

        @Option(names = "--json", description = "Print one JSON document instead of text.")
        void json(boolean value) {
            root().json = value;
        }

        @Option(
                names = "--timeout-ms",
                paramLabel = "MS",
                description = "Bound of each operation (default: " + DEFAULT_TIMEOUT_MS
                        + "); for 'consume', how long to" + " wait for a record before exiting (default: forever).")
        void timeoutMs(int value) {
            once(root().timeoutMs, "--timeout-ms");
            root().timeoutMs = value;
        }

        @Option(
                names = "--zookeeper",
                paramLabel = "HOST:PORT[/chroot]",
                description = "ZooKeeper, read for the controller epoch.")
        void zookeeper(String value) {
            once(root().zookeeper, "--zookeeper");
            root().zookeeper = value;
        }
    }

    /** {@code sluice-admin --version}: the project version, recorded in a resource at build time. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"sluice-admin " + projectVersion()};
        }

        static String projectVersion() {
            Properties props = new Properties();
            try (InputStream stream = AdminCli.class.getResourceAsStream("version.properties")) {
                if (stream != null) {
                    props.load(stream);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String version = props.getProperty("version");
            if (version == null || version.contains("${")) {
                version = AdminCli.class.getPackage().getImplementationVersion();
            }
            return version == null ? "unknown" : version;
        }
    }

    /** Base of the commands that talk to the cluster through {@link ClusterAdmin}. */
    abstract static class AdminCommand implements Callable<Integer> {
        @Mixin
        GlobalOptions globals;

        @Spec
        CommandSpec spec;

        AdminCli root() {
            return AdminCli.root(spec);
        }

        /** Checks the command's own options before connecting, so usage errors never need a cluster. */
        void validate() throws UsageException {}

        abstract int execute(ClusterAdmin admin, AdminOutput output) throws UsageException;

        @Override
        public Integer call() throws UsageException {
            validate();
            root().timeoutMs();
            try (ClusterAdmin admin = root().connect()) {
                return execute(admin, root().output());
            }
        }
    }

    // ------------------------------------------------------------------ topics

    @Command(
            name = "topics",
            mixinStandardHelpOptions = true,
            description = "Lists, describes, creates, alters and deletes topics.",
            subcommands = {
                Topics.ListTopics.class,
                Topics.Describe.class,
                Topics.Create.class,
                Topics.Alter.class,
                Topics.Delete.class
            })
    static final class Topics implements Runnable {
        @Mixin
        GlobalOptions globals;

        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            throw new ParameterException(
                    spec.commandLine(), "'topics' needs one of: list, describe, create, alter, delete");
        }

        @Command(name = "list", mixinStandardHelpOptions = true, description = "Names of all topics.")
        static final class ListTopics extends AdminCommand {
            @Override
            int execute(ClusterAdmin admin, AdminOutput output) {
                output.topicList(admin.listTopics());
                return EXIT_OK;
            }
        }

        @Command(
                name = "describe",
                mixinStandardHelpOptions = true,
                description =
                        "Partitions with leader, replicas, ISR and offline replicas; marks under-replicated" + " ones.")
        static final class Describe extends AdminCommand {
            @Option(names = "--topic", paramLabel = "T", description = "Only this topic (default: all).")
            String topic;

            @Option(names = "--under-replicated", description = "Only partitions whose ISR is short.")
            boolean underReplicated;

            @Override
            int execute(ClusterAdmin admin, AdminOutput output) {
                List<TopicView> topics = admin.describeTopics(topic == null ? List.of() : List.of(topic));
                output.topicDescriptions(topics, underReplicated);
                return EXIT_OK;
            }
        }

        @Command(name = "create", mixinStandardHelpOptions = true, description = "Creates a topic.")
        static final class Create extends AdminCommand {
            @Option(names = "--topic", paramLabel = "T", required = true, description = "Topic name.")
            String topic;

            @Option(names = "--partitions", paramLabel = "N", required = true, description = "Partition count.")
            int partitions;

            @Option(
                    names = "--replication-factor",
                    paramLabel = "R",
                    required = true,
                    description = "Replicas per partition.")
            int replicationFactor;

            @Option(names = "--config", paramLabel = "K=V", description = "A topic config override (repeatable).")
            List<String> configs = List.of();

            @Override
            void validate() throws UsageException {
                positive("--partitions", partitions);
                positive("--replication-factor", replicationFactor);
                if (replicationFactor > Short.MAX_VALUE) {
                    throw new UsageException("--replication-factor is too large");
                }
                keyValues("--config", configs);
            }

            @Override
            int execute(ClusterAdmin admin, AdminOutput output) throws UsageException {
                admin.createTopic(topic, partitions, (short) replicationFactor, keyValues("--config", configs));
                output.done(topic, "created", "Created topic " + topic + ".");
                return EXIT_OK;
            }
        }

        @Command(
                name = "alter",
                mixinStandardHelpOptions = true,
                description = "Raises the partition count and sets or deletes topic config overrides.")
        static final class Alter extends AdminCommand {
            @Option(names = "--topic", paramLabel = "T", required = true, description = "Topic name.")
            String topic;

            @Option(names = "--partitions", paramLabel = "N", description = "New (larger) partition count.")
            Integer partitions;

            @Option(names = "--config", paramLabel = "K=V", description = "Set a config override (repeatable).")
            List<String> configs = List.of();

            @Option(names = "--delete-config", paramLabel = "K", description = "Remove an override (repeatable).")
            List<String> deleteConfigs = List.of();

            @Override
            void validate() throws UsageException {
                positive("--partitions", partitions);
                Map<String, String> set = keyValues("--config", configs);
                for (String key : deleteConfigs) {
                    if (set.containsKey(key)) {
                        throw new UsageException(key + " is both set and deleted");
                    }
                }
                if (partitions == null && set.isEmpty() && deleteConfigs.isEmpty()) {
                    throw new UsageException("'topics alter' needs --partitions, --config or --delete-config");
                }
            }

            @Override
            int execute(ClusterAdmin admin, AdminOutput output) throws UsageException {
                StringBuilder what = new StringBuilder("Altered topic " + topic + ":");
                if (partitions != null) {
                    admin.createPartitions(topic, partitions);
                    what.append(" partitions=").append(partitions);
                }
                Map<String, String> set = keyValues("--config", configs);
                if (!set.isEmpty() || !deleteConfigs.isEmpty()) {
                    admin.alterTopicConfigs(topic, set, deleteConfigs);
                    set.forEach(
                            (k, v) -> what.append(" set ").append(k).append('=').append(v));
                    deleteConfigs.forEach(k -> what.append(" deleted ").append(k));
                }
                output.done(topic, "altered", what.append('.').toString());
                return EXIT_OK;
            }
        }

        @Command(name = "delete", mixinStandardHelpOptions = true, description = "Deletes a topic.")
        static final class Delete extends AdminCommand {
            @Option(names = "--topic", paramLabel = "T", required = true, description = "Topic name.")
            String topic;

            @Override
            int execute(ClusterAdmin admin, AdminOutput output) {
                admin.deleteTopic(topic);
                output.done(topic, "deleted", "Deleted topic " + topic + ".");
                return EXIT_OK;
            }
        }
    }

    // ------------------------------------------------------------------ brokers, controller, elections

    @Command(
            name = "brokers",
            mixinStandardHelpOptions = true,
            description = "Live brokers with host:port and rack; marks the controller.")
    static final class Brokers extends AdminCommand {
        @Override
        int execute(ClusterAdmin admin, AdminOutput output) {
            output.brokers(admin.describeCluster());
            return EXIT_OK;
        }
    }

    @Command(
            name = "controller",
            mixinStandardHelpOptions = true,
            description = "The controller id, and its epoch when --zookeeper is given. Exits 1 when there is none.")
    static final class Controller extends AdminCommand {
        @Override
        int execute(ClusterAdmin admin, AdminOutput output) {
            ClusterView cluster = admin.describeCluster();
            OptionalInt epoch = admin.controllerEpoch();
            output.controller(cluster.controllerId(), epoch, root().zookeeper != null);
            return cluster.controllerId() < 0 ? EXIT_FAILED : EXIT_OK;
        }
    }

    @Command(
            name = "elect-leaders",
            mixinStandardHelpOptions = true,
            description = "Preferred-leader election for one partition, or all partitions by default.")
    static final class ElectLeaders extends AdminCommand {
        @Option(names = "--topic", paramLabel = "T", description = "Topic of the partition (with --partition).")
        String topic;

        @Option(names = "--partition", paramLabel = "P", description = "The partition (with --topic).")
        Integer partition;

        @Override
        void validate() throws UsageException {
            if ((topic == null) != (partition == null)) {
                throw new UsageException("'elect-leaders' takes --topic and --partition together");
            }
            if (partition != null && partition < 0) {
                throw new UsageException("--partition must not be negative");
            }
        }

        @Override
        int execute(ClusterAdmin admin, AdminOutput output) {
            Set<TopicPartition> partitions = topic == null ? Set.of() : Set.of(new TopicPartition(topic, partition));
            Map<TopicPartition, Optional<String>> results = admin.electPreferredLeaders(partitions);
            output.elections(results);
            return results.values().stream().anyMatch(Optional::isPresent) ? EXIT_FAILED : EXIT_OK;
        }
    }
}
