package io.sluice.broker.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.broker.tools.ClusterAdmin.BrokerView;
import io.sluice.broker.tools.ClusterAdmin.ClusterView;
import io.sluice.broker.tools.ClusterAdmin.PartitionView;
import io.sluice.broker.tools.ClusterAdmin.TopicView;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code sluice-admin cluster health}: one verdict on the cluster from what clients can see: a controller, every broker
 * that holds replicas registered, no offline, under-replicated or under-min-ISR partitions. Exit code 0 when healthy,
 * 1 when not (with the reasons), so scripts and readiness checks can use it.
 *
 * <p>Single-threaded; the waits between rounds are the command's own.
 */
final class HealthCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HealthCommand() {}

    /** The verdict of one round: the problems found (none when healthy) and what was counted. */
    record Report(
            int controllerId,
            Set<Integer> liveBrokers,
            Set<Integer> expectedBrokers,
            int partitions,
            List<String> problems) {
        boolean healthy() {
            return problems.isEmpty();
        }
    }

    /** Judges the cluster from its description; pure, so tests can feed it any state. */
    static Report assess(ClusterView cluster, List<TopicView> topics, Map<String, Integer> minIsr) {
        List<String> problems = new ArrayList<>();
        if (cluster.controllerId() < 0) {
            problems.add("no active controller");
        }
        Set<Integer> live =
                cluster.brokers().stream().map(BrokerView::id).collect(Collectors.toCollection(TreeSet::new));
        Map<Integer, Integer> replicasByBroker = new TreeMap<>();
        List<String> offline = new ArrayList<>();
        List<String> underReplicated = new ArrayList<>();
        List<String> underMinIsr = new ArrayList<>();
        int partitions = 0;
        for (TopicView topic : topics) {
            Integer min = minIsr.get(topic.name());
            for (PartitionView p : topic.partitions()) {
                partitions++;
                String name = topic.name() + "-" + p.partition();
                p.replicas().forEach(id -> replicasByBroker.merge(id, 1, Integer::sum));
                if (p.leader() < 0) {
                    offline.add(name + " has no leader (replicas " + ids(p.replicas()) + ")");
                }
                if (p.underReplicated()) {
                    underReplicated.add(name + " is under-replicated (ISR " + ids(p.isr()) + " of replicas "
                            + ids(p.replicas()) + ")");
                }
                if (min != null && p.isr().size() < min) {
                    underMinIsr.add(
                            name + " is under min ISR (ISR " + ids(p.isr()) + ", min.insync.replicas=" + min + ")");
                }
            }
        }
        replicasByBroker.forEach((id, count) -> {
            if (!live.contains(id)) {
                problems.add("broker " + id + " is not registered (it holds replicas of " + count + " partition"
                        + (count == 1 ? "" : "s") + ")");
            }
        });
        problems.addAll(offline);
        problems.addAll(underMinIsr);
        problems.addAll(underReplicated);
        return new Report(
                cluster.controllerId(),
                live,
                new TreeSet<>(replicasByBroker.keySet()),
                partitions,
                List.copyOf(problems));
    }

    private static String ids(List<Integer> ids) {
        return ids.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    static Report check(ClusterAdmin admin) {
        ClusterView cluster = admin.describeCluster();
        List<TopicView> topics = admin.describeTopics(List.of());
        Map<String, Integer> minIsr =
                admin.minInsyncReplicas(topics.stream().map(TopicView::name).toList());
        return assess(cluster, topics, minIsr);
    }

    static void print(Report report, PrintStream out, boolean json) {
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("healthy", report.healthy());
            doc.put("controller", report.controllerId());
            doc.put("liveBrokers", report.liveBrokers());
            doc.put("expectedBrokers", report.expectedBrokers());
            doc.put("partitions", report.partitions());
            doc.put("problems", report.problems());
            try {
                out.println(JSON.writeValueAsString(doc));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
            return;
        }
        String counts = "controller " + (report.controllerId() < 0 ? "none" : report.controllerId()) + ", "
                + report.liveBrokers().size() + " live broker(s) " + report.liveBrokers() + ", replicas on "
                + report.expectedBrokers() + ", " + report.partitions() + " partitions";
        if (report.healthy()) {
            out.println("HEALTHY: " + counts);
        } else {
            out.println("UNHEALTHY: " + counts);
            report.problems().forEach(p -> out.println("  - " + p));
        }
    }

    /** Parses {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}, or a bare number of seconds. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(java.util.Locale.ROOT);
            try {
                Duration d;
                if (v.endsWith("ms")) {
                    d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
                } else if (v.endsWith("s")) {
                    d = Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
                } else if (v.endsWith("m")) {
                    d = Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
                } else if (v.endsWith("h")) {
                    d = Duration.ofHours(Long.parseLong(v.substring(0, v.length() - 1)));
                } else {
                    d = Duration.ofSeconds(Long.parseLong(v));
                }
                if (d.isNegative() || d.isZero()) {
                    throw new CommandLine.TypeConversionException("must be positive, got '" + value + "'");
                }
                return d;
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException(
                        "needs a duration such as 500ms, 30s, 2m or 1h, got '" + value + "'");
            }
        }
    }

    @Command(
            name = "cluster",
            mixinStandardHelpOptions = true,
            description = "Cluster-wide checks.",
            subcommands = Health.class)
    static final class Cluster implements Runnable {
        @Mixin
        AdminCli.GlobalOptions globals;

        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            throw new ParameterException(spec.commandLine(), "'cluster' needs one of: health");
        }
    }

    @Command(
            name = "health",
            mixinStandardHelpOptions = true,
            description = {
                "Checks that there is a controller, that every broker holding replicas is registered, and that no"
                        + " partition is offline, under min ISR or under-replicated; prints the reasons.",
                "Exit code 0 when healthy, 1 when not."
            })
    static final class Health extends AdminCli.AdminCommand {
        @Option(
                names = "--watch",
                description = "Check again every --interval and print each verdict, until"
                        + " --timeout (default: until interrupted).")
        boolean watch;

        @Option(
                names = "--exit-when-healthy",
                description = "Check every --interval until healthy (exit 0) or --timeout passes (exit 1).")
        boolean exitWhenHealthy;

        @Option(
                names = "--timeout",
                paramLabel = "DURATION",
                converter = DurationConverter.class,
                description = "How long --watch / --exit-when-healthy go on (default: 60s for --exit-when-healthy,"
                        + " unbounded for --watch). 500ms, 30s, 2m or seconds.")
        Duration timeout;

        @Option(
                names = "--interval",
                paramLabel = "DURATION",
                converter = DurationConverter.class,
                defaultValue = "2s",
                description = "Time between checks (default: ${DEFAULT-VALUE}).")
        Duration interval;

        @Override
        void validate() throws UsageException {
            if (watch && exitWhenHealthy) {
                throw new UsageException("--watch and --exit-when-healthy do not go together");
            }
            if (timeout != null && !watch && !exitWhenHealthy) {
                throw new UsageException("--timeout applies to --watch or --exit-when-healthy");
            }
        }

        @Override
        int execute(ClusterAdmin admin, AdminOutput output) {
            AdminCli root = root();
            if (!watch && !exitWhenHealthy) {
                Report report = check(admin);
                print(report, root.out, root.json());
                return report.healthy() ? AdminCli.EXIT_OK : AdminCli.EXIT_FAILED;
            }
            Duration bound = timeout != null ? timeout : watch ? null : Duration.ofSeconds(60);
            long deadline = bound == null ? Long.MAX_VALUE : System.nanoTime() + bound.toNanos();
            Report last = null;
            while (true) {
                Report report;
                try {
                    report = check(admin);
                } catch (AdminOperationException e) {
                    report = new Report(
                            -1, Set.of(), Set.of(), 0, List.of("cannot describe the cluster: " + e.getMessage()));
                }
                if (watch) {
                    if (!root.json()) {
                        root.out.println("--- " + Instant.now());
                    }
                    print(report, root.out, root.json());
                } else if (!report.healthy()
                        && (last == null || !last.problems().equals(report.problems()))) {
                    root.err.println("waiting for health: " + String.join("; ", report.problems()));
                }
                last = report;
                if (exitWhenHealthy && report.healthy()) {
                    print(report, root.out, root.json());
                    return AdminCli.EXIT_OK;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    Thread.sleep(Math.min(interval.toMillis(), Math.max(1, left / 1_000_000)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (exitWhenHealthy) {
                root.err.println("sluice-admin: not healthy within " + bound.toMillis() + " ms");
                print(last, root.out, root.json());
            }
            return last.healthy() ? AdminCli.EXIT_OK : AdminCli.EXIT_FAILED;
        }
    }
}
