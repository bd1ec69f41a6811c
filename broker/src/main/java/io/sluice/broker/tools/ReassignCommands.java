package io.sluice.broker.tools;

import io.sluice.broker.tools.ClusterAdmin.BrokerView;
import io.sluice.broker.tools.ClusterAdmin.ClusterView;
import io.sluice.broker.tools.ClusterAdmin.PartitionView;
import io.sluice.broker.tools.ClusterAdmin.ReassignmentView;
import io.sluice.broker.tools.ClusterAdmin.TopicView;
import io.sluice.broker.tools.ReassignmentPlanner.Broker;
import io.sluice.broker.tools.ReassignmentPlanner.InfeasiblePlanException;
import io.sluice.broker.tools.ReassignmentPlanner.Plan;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice-admin decommission}, {@code rebalance} and {@code reassignments}: data movement between brokers on the
 * stock Admin API (AlterPartitionReassignments, ListPartitionReassignments, IncrementalAlterConfigs for the replication
 * throttles, ElectLeaders), so they work against Kafka as well. The plan is {@link ReassignmentPlanner}'s.
 *
 * <p>A move runs as {@code kafka-reassign-partitions.sh --execute} followed by {@code --verify} would: with
 * {@code --throttle}, {@code leader/follower.replication.throttled.rate} on every broker involved and
 * {@code leader.replication.throttled.replicas} (the existing replicas) / {@code follower.replication.throttled.replicas}
 * (the new ones) on every topic that moves; then the reassignment; progress until no moved partition is reassigning;
 * the throttles removed; a preferred-leader election for the moved partitions.
 *
 * <p>Single-threaded.
 */
final class ReassignCommands {
    static final String LEADER_RATE = "leader.replication.throttled.rate";
    static final String FOLLOWER_RATE = "follower.replication.throttled.rate";
    static final String LEADER_REPLICAS = "leader.replication.throttled.replicas";
    static final String FOLLOWER_REPLICAS = "follower.replication.throttled.replicas";

    private static final Comparator<TopicPartition> PARTITION_ORDER =
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    private ReassignCommands() {}

    /** The part decommission and rebalance share: plan, submit, follow, clean up, elect. */
    abstract static class MoveCommand extends AdminCli.AdminCommand {
        @Option(
                names = "--throttle",
                paramLabel = "BYTES_PER_SEC",
                description = "Replication throttle for the moving replicas, removed when the moves complete.")
        Long throttle;

        @Option(names = "--dry-run", description = "Show the plan only; submit nothing.")
        boolean dryRun;

        @Option(
                names = "--wait",
                negatable = true,
                defaultValue = "true",
                fallbackValue = "true",
                description = "Follow the moves until they complete (default), or return once submitted (--no-wait).")
        boolean waitForCompletion;

        @Option(
                names = "--progress-interval-ms",
                paramLabel = "MS",
                defaultValue = "2000",
                description = "How often progress is polled and printed (default: ${DEFAULT-VALUE}).")
        int progressIntervalMs;

        /** {@code decommission} or {@code rebalance}. */
        abstract String verb();

        /** The brokers to empty; checked against the cluster. */
        abstract Set<Integer> brokersToEmpty(ClusterView cluster, Map<TopicPartition, List<Integer>> current);

        /** The closing sentence of a completed run. */
        abstract String completedText(Plan plan);

        @Override
        void validate() throws UsageException {
            if (throttle != null && throttle <= 0) {
                throw new UsageException("--throttle must be positive, got " + throttle);
            }
            if (throttle != null && !waitForCompletion && !dryRun) {
                throw new UsageException(
                        "--throttle needs --wait: the throttles are removed when the moves complete, which --no-wait"
                                + " would not see");
            }
            AdminCli.positive("--progress-interval-ms", progressIntervalMs);
        }

        @Override
        int execute(ClusterAdmin admin, AdminOutput output) {
            AdminCli root = root();
            PrintStream progress = root.json() ? root.err : root.out;
            ClusterView cluster = admin.describeCluster();
            Map<TopicPartition, ReassignmentView> running = admin.listReassignments();
            if (!running.isEmpty()) {
                throw new AdminOperationException(running.size() + " partition"
                        + (running.size() == 1 ? " is" : "s are") + " being reassigned already ("
                        + names(running.keySet()) + "); wait for "
                        + (running.size() == 1 ? "it" : "them")
                        + " or cancel with 'sluice-admin reassignments --cancel'; nothing was submitted");
            }
            Map<TopicPartition, List<Integer>> current = assignment(admin.describeTopics(List.of()));
            Set<Integer> empty = brokersToEmpty(cluster, current);
            Set<Integer> down = new TreeSet<>();
            current.values().forEach(down::addAll);
            cluster.brokers().forEach(b -> down.remove(b.id()));
            down.removeAll(empty);
            if (!down.isEmpty()) {
                throw new AdminOperationException("Broker" + (down.size() == 1 ? " " : "s ") + ids(down)
                        + " hold" + (down.size() == 1 ? "s" : "") + " replicas but " + (down.size() == 1 ? "is" : "are")
                        + " not live; start " + (down.size() == 1 ? "it" : "them") + " again, or move "
                        + (down.size() == 1 ? "its" : "their") + " replicas with 'sluice-admin decommission --broker "
                        + ids(down) + "'; nothing was submitted");
            }
            List<Broker> brokers = cluster.brokers().stream()
                    .map(b -> new Broker(b.id(), b.rack()))
                    .toList();
            Plan plan;
            try {
                plan = ReassignmentPlanner.plan(current, brokers, empty);
            } catch (InfeasiblePlanException e) {
                throw new AdminOperationException(
                        "Cannot " + verb() + ": " + e.getMessage() + "; nothing was submitted", e);
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("command", verb());
            doc.put("emptied", List.copyOf(new TreeSet<>(empty)));
            doc.put("dryRun", dryRun);
            describePlan(plan, cluster, doc, root);
            if (plan.moves().isEmpty()) {
                return finish(output, doc, "nothing-to-move", "Nothing to move.");
            }
            if (dryRun) {
                if (!root.json()) {
                    root.out.println("Moves:");
                    plan.moves()
                            .forEach((tp, to) -> root.out.println(
                                    "  " + tp + ": " + ids(plan.current().get(tp)) + " -> " + ids(to)));
                }
                return finish(output, doc, "dry-run", "Dry run: nothing was submitted.");
            }
            Set<Integer> throttled = throttle == null ? Set.of() : setThrottles(admin, plan, progress);
            submit(admin, plan, throttled);
            if (!waitForCompletion) {
                return finish(
                        output,
                        doc,
                        "submitted",
                        "Submitted " + plan.moves().size()
                                + " partition moves; follow them with 'sluice-admin reassignments'.");
            }
            progress.println("Submitted " + plan.moves().size() + " partition moves ("
                    + plan.replicasMoved() + " replicas to copy"
                    + (throttle == null ? "" : ", throttled to " + throttle + " B/s on brokers " + ids(throttled))
                    + ").");
            new Progress(admin, plan, progress, progressIntervalMs).awaitCompletion();
            if (!throttled.isEmpty()) {
                clearThrottles(admin, plan, throttled);
                progress.println("Removed the replication throttles.");
            }
            Map<TopicPartition, Optional<String>> elections =
                    admin.electPreferredLeaders(plan.moves().keySet());
            List<Map<String, Object>> electionDocs = new ArrayList<>();
            elections.forEach((tp, error) -> {
                if (error.isPresent()) {
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("topic", tp.topic());
                    e.put("partition", tp.partition());
                    e.put("error", error.get());
                    electionDocs.add(e);
                    progress.println("Preferred leader election of " + tp + " failed: " + error.get());
                }
            });
            doc.put("failedElections", electionDocs);
            List<String> misplaced = misplaced(plan, assignment(admin.describeTopics(List.of())));
            doc.put("misplaced", misplaced);
            if (!misplaced.isEmpty()) {
                throw new AdminOperationException("The moves completed but " + misplaced.size()
                        + " partitions do not have their planned replicas: " + String.join("; ", misplaced));
            }
            int code = finish(output, doc, "completed", completedText(plan));
            return electionDocs.isEmpty() ? code : AdminCli.EXIT_FAILED;
        }

        private int finish(AdminOutput output, Map<String, Object> doc, String result, String text) {
            doc.put("result", result);
            if (root().json()) {
                output.document(doc);
            } else {
                root().out.println(text);
            }
            return AdminCli.EXIT_OK;
        }

        private void describePlan(Plan plan, ClusterView cluster, Map<String, Object> doc, AdminCli root) {
            SortedMap<Integer, Integer> replicasBefore = plan.replicaCounts(plan.current());
            SortedMap<Integer, Integer> replicasAfter = plan.replicaCounts(plan.target());
            SortedMap<Integer, Integer> leadersBefore = plan.leaderCounts(plan.current());
            SortedMap<Integer, Integer> leadersAfter = plan.leaderCounts(plan.target());
            Map<Integer, String> racks = new TreeMap<>();
            cluster.brokers().forEach(b -> racks.put(b.id(), b.rack()));
            Set<Integer> ids = new TreeSet<>(replicasBefore.keySet());
            ids.addAll(racks.keySet());
            List<Map<String, Object>> brokerDocs = new ArrayList<>();
            List<List<String>> rows = new ArrayList<>();
            rows.add(List.of("BROKER", "RACK", "REPLICAS", "LEADERS"));
            for (int id : ids) {
                Map<String, Object> b = new LinkedHashMap<>();
                b.put("id", id);
                b.put("rack", racks.get(id));
                b.put("live", racks.containsKey(id));
                b.put("replicasBefore", replicasBefore.getOrDefault(id, 0));
                b.put("replicasAfter", replicasAfter.getOrDefault(id, 0));
                b.put("leadersBefore", leadersBefore.getOrDefault(id, 0));
                b.put("leadersAfter", leadersAfter.getOrDefault(id, 0));
                brokerDocs.add(b);
                rows.add(List.of(
                        id + (racks.containsKey(id) ? "" : " (not live)"),
                        racks.get(id) == null ? "-" : racks.get(id),
                        b.get("replicasBefore") + " -> " + b.get("replicasAfter"),
                        b.get("leadersBefore") + " -> " + b.get("leadersAfter")));
            }
            List<Map<String, Object>> moveDocs = new ArrayList<>();
            plan.moves().forEach((tp, to) -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("topic", tp.topic());
                m.put("partition", tp.partition());
                m.put("from", plan.current().get(tp));
                m.put("to", to);
                moveDocs.add(m);
            });
            doc.put("partitionsChanged", plan.moves().size());
            doc.put("replicasMoved", plan.replicasMoved());
            doc.put("replicasBalanced", plan.replicasBalanced());
            doc.put("leadersBalanced", plan.leadersBalanced());
            doc.put("brokers", brokerDocs);
            doc.put("moves", moveDocs);
            if (root.json()) {
                return;
            }
            root.out.println("Plan (" + verb() + "): " + plan.moves().size() + " of "
                    + plan.current().size() + " partitions change, " + plan.replicasMoved() + " replicas move.");
            GroupsCommand.table(root.out, rows);
            if (!plan.replicasBalanced() || !plan.leadersBalanced()) {
                root.out.println("Note: the racks leave no placement with "
                        + (plan.replicasBalanced() ? "leader" : "replica")
                        + " counts within one per broker; this is the closest one.");
            }
        }

        /** Sets the throttle rate on every broker of a moving partition and the throttled replicas on its topic. */
        private Set<Integer> setThrottles(ClusterAdmin admin, Plan plan, PrintStream progress) {
            Set<Integer> brokers = new TreeSet<>();
            Map<String, List<String>> leaders = new TreeMap<>();
            Map<String, List<String>> followers = new TreeMap<>();
            plan.moves().forEach((tp, to) -> {
                List<Integer> from = plan.current().get(tp);
                List<Integer> added = to.stream().filter(b -> !from.contains(b)).toList();
                if (added.isEmpty()) {
                    return; // a new order only: nothing is copied
                }
                brokers.addAll(from);
                brokers.addAll(to);
                from.forEach(b -> leaders.computeIfAbsent(tp.topic(), k -> new ArrayList<>())
                        .add(tp.partition() + ":" + b));
                added.forEach(b -> followers
                        .computeIfAbsent(tp.topic(), k -> new ArrayList<>())
                        .add(tp.partition() + ":" + b));
            });
            String rate = String.valueOf(throttle);
            for (int b : brokers) {
                admin.alterBrokerConfigs(b, Map.of(LEADER_RATE, rate, FOLLOWER_RATE, rate), List.of());
            }
            for (String topic : leaders.keySet()) {
                admin.alterTopicConfigs(
                        topic,
                        Map.of(
                                LEADER_REPLICAS,
                                String.join(",", leaders.get(topic)),
                                FOLLOWER_REPLICAS,
                                String.join(",", followers.get(topic))),
                        List.of());
            }
            progress.println("Throttled replication to " + throttle + " B/s on brokers " + ids(brokers) + ".");
            return brokers;
        }

        private void clearThrottles(ClusterAdmin admin, Plan plan, Set<Integer> brokers) {
            for (int b : brokers) {
                admin.alterBrokerConfigs(b, Map.of(), List.of(LEADER_RATE, FOLLOWER_RATE));
            }
            Set<String> topics = new TreeSet<>();
            plan.moves().keySet().forEach(tp -> topics.add(tp.topic()));
            for (String topic : topics) {
                admin.alterTopicConfigs(topic, Map.of(), List.of(LEADER_REPLICAS, FOLLOWER_REPLICAS));
            }
        }

        private void submit(ClusterAdmin admin, Plan plan, Set<Integer> throttled) {
            Map<TopicPartition, Optional<List<Integer>>> changes = new LinkedHashMap<>();
            plan.moves().forEach((tp, to) -> changes.put(tp, Optional.of(to)));
            Map<TopicPartition, Optional<String>> results = admin.alterReassignments(changes);
            List<String> failed = new ArrayList<>();
            results.forEach((tp, error) -> error.ifPresent(e -> failed.add(tp + ": " + e)));
            if (failed.isEmpty()) {
                return;
            }
            if (failed.size() == results.size() && !throttled.isEmpty()) {
                clearThrottles(admin, plan, throttled);
            }
            throw new AdminOperationException("The controller refused " + failed.size() + " of "
                    + results.size() + " partition moves (" + String.join("; ", failed) + ")"
                    + (failed.size() == results.size()
                            ? "; nothing was submitted"
                            : "; the others run on: see 'sluice-admin reassignments'"
                                    + (throttled.isEmpty()
                                            ? ""
                                            : ", and remove the throttles with 'sluice-admin configs alter'"
                                                    + " when they are done")));
        }
    }

    /** Partitions whose replicas differ from the plan, as {@code tp: actual (planned)}. */
    static List<String> misplaced(Plan plan, Map<TopicPartition, List<Integer>> actual) {
        List<String> out = new ArrayList<>();
        plan.moves().forEach((tp, to) -> {
            List<Integer> now = actual.get(tp);
            if (now != null && !now.equals(to)) {
                out.add(tp + ": " + ids(now) + " (planned " + ids(to) + ")");
            }
        });
        return out;
    }

    /** Polls the moves of one plan until none is in progress, printing a line whenever the count changes. */
    private static final class Progress {
        private final ClusterAdmin admin;
        private final Plan plan;
        private final PrintStream out;
        private final int intervalMs;
        private boolean sizesKnown = true;

        Progress(ClusterAdmin admin, Plan plan, PrintStream out, int intervalMs) {
            this.admin = admin;
            this.plan = plan;
            this.out = out;
            this.intervalMs = intervalMs;
        }

        void awaitCompletion() {
            String last = "";
            int total = plan.moves().size();
            while (true) {
                Map<TopicPartition, ReassignmentView> running = new TreeMap<>(PARTITION_ORDER);
                running.putAll(admin.listReassignments());
                running.keySet().retainAll(plan.moves().keySet());
                String line =
                        "Moving: " + running.size() + " of " + total + " partitions remaining" + bytes(running) + ".";
                if (!line.equals(last)) {
                    out.println(line);
                    last = line;
                }
                if (running.isEmpty()) {
                    return;
                }
                try {
                    // polling pace of a command-line tool, not a wait for a condition in a test
                    Thread.sleep(intervalMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AdminOperationException("Interrupted while following the moves; they run on: see"
                            + " 'sluice-admin reassignments'");
                }
            }
        }

        /** {@code ", N bytes left to copy"} from DescribeLogDirs, or nothing when the cluster does not say. */
        private String bytes(Map<TopicPartition, ReassignmentView> running) {
            if (!sizesKnown || running.isEmpty()) {
                return "";
            }
            Set<Integer> brokers = new TreeSet<>();
            running.values().forEach(r -> brokers.addAll(r.replicas()));
            Optional<Map<TopicPartition, Map<Integer, Long>>> sizes = admin.replicaSizes(brokers);
            if (sizes.isEmpty()) {
                sizesKnown = false;
                return "";
            }
            long left = 0;
            for (Map.Entry<TopicPartition, ReassignmentView> e : running.entrySet()) {
                Map<Integer, Long> sizeOf = sizes.get().getOrDefault(e.getKey(), Map.of());
                long source = e.getValue().replicas().stream()
                        .filter(b -> !e.getValue().adding().contains(b))
                        .mapToLong(b -> sizeOf.getOrDefault(b, 0L))
                        .max()
                        .orElse(0);
                for (int b : e.getValue().adding()) {
                    left += Math.max(0, source - sizeOf.getOrDefault(b, 0L));
                }
            }
            return ", " + left + " bytes left to copy";
        }
    }

    static Map<TopicPartition, List<Integer>> assignment(List<TopicView> topics) {
        Map<TopicPartition, List<Integer>> out = new TreeMap<>(PARTITION_ORDER);
        for (TopicView t : topics) {
            for (PartitionView p : t.partitions()) {
                out.put(new TopicPartition(t.name(), p.partition()), p.replicas());
            }
        }
        return out;
    }

    static String ids(Collection<Integer> ids) {
        return ids.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    private static String names(Set<TopicPartition> partitions) {
        List<String> names = partitions.stream().map(TopicPartition::toString).toList();
        return names.size() <= 5
                ? String.join(", ", names)
                : String.join(", ", names.subList(0, 5)) + ", ... " + (names.size() - 5) + " more";
    }

    @Command(
            name = "decommission",
            mixinStandardHelpOptions = true,
            description = "Moves every replica off the given brokers, keeping racks and the balance of the others;"
                    + " then runs a preferred-leader election for the moved partitions.")
    static final class Decommission extends MoveCommand {
        @Option(
                names = "--broker",
                paramLabel = "N",
                required = true,
                split = ",",
                description = "The broker to empty (repeatable, or comma-separated).")
        List<Integer> brokers;

        @Override
        String verb() {
            return "decommission";
        }

        @Override
        Set<Integer> brokersToEmpty(ClusterView cluster, Map<TopicPartition, List<Integer>> current) {
            Set<Integer> known = new TreeSet<>();
            cluster.brokers().forEach(b -> known.add(b.id()));
            current.values().forEach(known::addAll);
            List<Integer> unknown =
                    brokers.stream().filter(b -> !known.contains(b)).toList();
            if (!unknown.isEmpty()) {
                throw new AdminOperationException("Unknown broker" + (unknown.size() == 1 ? " " : "s ") + ids(unknown)
                        + ": not live (live: "
                        + ids(cluster.brokers().stream().map(BrokerView::id).toList())
                        + ") and holding no replica; nothing was submitted");
            }
            return new TreeSet<>(brokers);
        }

        @Override
        String completedText(Plan plan) {
            return "Decommissioned broker" + (brokers.size() == 1 ? " " : "s ") + ids(new TreeSet<>(brokers))
                    + ": no replica left on " + (brokers.size() == 1 ? "it" : "them") + ".";
        }
    }

    @Command(
            name = "rebalance",
            mixinStandardHelpOptions = true,
            description = "Evens out replicas and preferred leaders over all live brokers (within one per broker where"
                    + " the racks allow), moving as few replicas as possible; then runs a preferred-leader election for"
                    + " the moved partitions.")
    static final class Rebalance extends MoveCommand {
        @Override
        String verb() {
            return "rebalance";
        }

        @Override
        Set<Integer> brokersToEmpty(ClusterView cluster, Map<TopicPartition, List<Integer>> current) {
            return Set.of();
        }

        @Override
        String completedText(Plan plan) {
            SortedMap<Integer, Integer> replicas = plan.replicaCounts(plan.target());
            SortedMap<Integer, Integer> leaders = plan.leaderCounts(plan.target());
            return "Rebalanced: " + range(replicas) + " replicas and " + range(leaders) + " preferred leaders per"
                    + " broker.";
        }

        private static String range(SortedMap<Integer, Integer> counts) {
            int min = counts.values().stream().mapToInt(Integer::intValue).min().orElse(0);
            int max = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
            return min == max ? String.valueOf(min) : min + "-" + max;
        }
    }

    @Command(
            name = "reassignments",
            mixinStandardHelpOptions = true,
            description = "Partition reassignments in progress; --cancel reverts them to their original replicas.")
    static final class Reassignments extends AdminCli.AdminCommand {
        @Option(names = "--cancel", description = "Cancel every reassignment in progress.")
        boolean cancel;

        @Override
        int execute(ClusterAdmin admin, AdminOutput output) {
            Map<TopicPartition, ReassignmentView> running = admin.listReassignments();
            Map<TopicPartition, Optional<String>> cancelled = Map.of();
            if (cancel && !running.isEmpty()) {
                Map<TopicPartition, Optional<List<Integer>>> changes = new LinkedHashMap<>();
                running.keySet().forEach(tp -> changes.put(tp, Optional.empty()));
                cancelled = admin.alterReassignments(changes);
            }
            AdminCli root = root();
            if (root.json()) {
                List<Map<String, Object>> docs = new ArrayList<>();
                Map<TopicPartition, Optional<String>> results = cancelled;
                running.forEach((tp, r) -> {
                    Map<String, Object> d = new LinkedHashMap<>();
                    d.put("topic", tp.topic());
                    d.put("partition", tp.partition());
                    d.put("replicas", r.replicas());
                    d.put("adding", r.adding());
                    d.put("removing", r.removing());
                    if (cancel) {
                        d.put(
                                "cancelled",
                                results.getOrDefault(tp, Optional.empty()).isEmpty());
                        d.put(
                                "error",
                                results.getOrDefault(tp, Optional.empty()).orElse(null));
                    }
                    docs.add(d);
                });
                output.document(Map.of("reassignments", docs));
            } else if (running.isEmpty()) {
                root.out.println("No partition reassignment in progress.");
            } else {
                List<List<String>> rows = new ArrayList<>();
                rows.add(List.of("PARTITION", "REPLICAS", "ADDING", "REMOVING", cancel ? "CANCEL" : ""));
                Map<TopicPartition, Optional<String>> results = cancelled;
                running.forEach((tp, r) -> rows.add(List.of(
                        tp.toString(),
                        ids(r.replicas()),
                        r.adding().isEmpty() ? "-" : ids(r.adding()),
                        r.removing().isEmpty() ? "-" : ids(r.removing()),
                        cancel
                                ? results.getOrDefault(tp, Optional.empty())
                                        .map(e -> "failed: " + e)
                                        .orElse("cancelled")
                                : "")));
                GroupsCommand.table(root.out, rows);
            }
            return cancelled.values().stream().anyMatch(Optional::isPresent) ? AdminCli.EXIT_FAILED : AdminCli.EXIT_OK;
        }
    }
}
