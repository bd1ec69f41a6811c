package io.sluice.broker.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code sluice-admin groups list|describe|reset-offsets|delete}: consumer groups through the stock Admin client.
 * {@code describe} shows each partition's committed offset, log end offset and lag; {@code reset-offsets} only shows
 * the new offsets unless {@code --execute} is given (as Kafka's tool).
 *
 * <p>Single-threaded.
 */
@Command(
        name = "groups",
        mixinStandardHelpOptions = true,
        description = "Consumer groups: list, describe (with lag), reset-offsets, delete.",
        subcommands = {
            GroupsCommand.ListGroups.class,
            GroupsCommand.Describe.class,
            GroupsCommand.ResetOffsets.class,
            GroupsCommand.Delete.class
        })
final class GroupsCommand implements Runnable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Comparator<TopicPartition> ORDER =
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    @Mixin
    AdminCli.GlobalOptions globals;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(
                spec.commandLine(), "'groups' needs one of: list, describe, reset-offsets, delete");
    }

    /** Base: an Admin client on the run's bootstrap servers, and bounded waits on its futures. */
    abstract static class GroupCommand implements Callable<Integer> {
        @Mixin
        AdminCli.GlobalOptions globals;

        @Spec
        CommandSpec spec;

        AdminCli root;
        private long timeoutMs;

        void validate() throws UsageException {}

        abstract int execute(Admin admin) throws UsageException;

        @Override
        public Integer call() throws UsageException {
            root = AdminCli.root(spec);
            validate();
            timeoutMs = root.timeoutMs();
            // the client properties of the run (--command-config / profile) first; this command's own settings win
            Properties props = root.clientConfig();
            props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeoutMs);
            props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeoutMs, 30_000));
            props.put(AdminClientConfig.CLIENT_ID_CONFIG, "sluice-admin");
            try (Admin admin = Admin.create(props)) {
                return execute(admin);
            }
        }

        <T> T await(KafkaFuture<T> future, String what) {
            try {
                return future.get(timeoutMs, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                throw new AdminOperationException(
                        "Failed to " + what + ": " + cause.getClass().getSimpleName() + ": " + cause.getMessage(),
                        cause);
            } catch (TimeoutException e) {
                throw new AdminOperationException("Timed out after " + timeoutMs + " ms trying to " + what, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AdminOperationException("Interrupted while trying to " + what, e);
            }
        }

        Map<TopicPartition, Long> offsets(Admin admin, Collection<TopicPartition> partitions, OffsetSpec spec) {
            if (partitions.isEmpty()) {
                return Map.of();
            }
            Map<TopicPartition, OffsetSpec> query = new HashMap<>();
            partitions.forEach(tp -> query.put(tp, spec));
            Map<TopicPartition, ListOffsetsResultInfo> found =
                    await(admin.listOffsets(query).all(), "list offsets of " + query.keySet());
            Map<TopicPartition, Long> out = new TreeMap<>(ORDER);
            found.forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        }

        Map<TopicPartition, Long> committed(Admin admin, String group) {
            Map<TopicPartition, OffsetAndMetadata> raw = await(
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata(),
                    "fetch the committed offsets of group " + group);
            Map<TopicPartition, Long> out = new TreeMap<>(ORDER);
            raw.forEach((tp, om) -> {
                if (om != null) {
                    out.put(tp, om.offset());
                }
            });
            return out;
        }

        void json(Object doc) {
            try {
                root.out.println(JSON.writeValueAsString(doc));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Consumer groups and their states.")
    static final class ListGroups extends GroupCommand {
        @Override
        int execute(Admin admin) {
            Collection<ConsumerGroupListing> listings =
                    await(admin.listConsumerGroups().all(), "list groups");
            List<ConsumerGroupListing> sorted = listings.stream()
                    .sorted(Comparator.comparing(ConsumerGroupListing::groupId))
                    .toList();
            if (root.json()) {
                List<Map<String, Object>> docs = new ArrayList<>();
                for (ConsumerGroupListing l : sorted) {
                    Map<String, Object> doc = new LinkedHashMap<>();
                    doc.put("group", l.groupId());
                    doc.put("state", l.state().map(Object::toString).orElse(null));
                    docs.add(doc);
                }
                json(Map.of("groups", docs));
            } else {
                List<List<String>> rows = new ArrayList<>();
                rows.add(List.of("GROUP", "STATE"));
                sorted.forEach(l -> rows.add(
                        List.of(l.groupId(), l.state().map(Object::toString).orElse("-"))));
                table(root.out, rows);
            }
            return AdminCli.EXIT_OK;
        }
    }

    @Command(
            name = "describe",
            mixinStandardHelpOptions = true,
            description = "Per partition: committed offset, log end offset, lag, and the member it is assigned to.")
    static final class Describe extends GroupCommand {
        @Option(names = "--group", paramLabel = "G", required = true, description = "The group.")
        String group;

        @Override
        int execute(Admin admin) {
            ConsumerGroupDescription description = await(
                    admin.describeConsumerGroups(List.of(group))
                            .describedGroups()
                            .get(group),
                    "describe group " + group);
            Map<TopicPartition, MemberDescription> owners = new HashMap<>();
            for (MemberDescription m : description.members()) {
                m.assignment().topicPartitions().forEach(tp -> owners.put(tp, m));
            }
            Map<TopicPartition, Long> committed = committed(admin, group);
            Set<TopicPartition> partitions = new TreeSet<>(ORDER);
            partitions.addAll(committed.keySet());
            partitions.addAll(owners.keySet());
            Map<TopicPartition, Long> ends = offsets(admin, partitions, OffsetSpec.latest());
            List<Map<String, Object>> docs = new ArrayList<>();
            List<List<String>> rows = new ArrayList<>();
            rows.add(List.of("TOPIC", "PARTITION", "COMMITTED", "END", "LAG", "MEMBER", "HOST"));
            long totalLag = 0;
            for (TopicPartition tp : partitions) {
                Long c = committed.get(tp);
                Long end = ends.get(tp);
                Long lag = c == null || end == null ? null : Math.max(0, end - c);
                totalLag += lag == null ? 0 : lag;
                MemberDescription m = owners.get(tp);
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("topic", tp.topic());
                doc.put("partition", tp.partition());
                doc.put("committed", c);
                doc.put("end", end);
                doc.put("lag", lag);
                doc.put("member", m == null ? null : m.consumerId());
                doc.put("host", m == null ? null : m.host());
                docs.add(doc);
                rows.add(List.of(
                        tp.topic(),
                        String.valueOf(tp.partition()),
                        c == null ? "-" : c.toString(),
                        end == null ? "-" : end.toString(),
                        lag == null ? "-" : lag.toString(),
                        m == null ? "-" : m.consumerId(),
                        m == null ? "-" : m.host()));
            }
            if (root.json()) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("group", group);
                doc.put("state", String.valueOf(description.state()));
                doc.put("members", description.members().size());
                doc.put("lag", totalLag);
                doc.put("partitions", docs);
                json(doc);
            } else {
                root.out.println("Group: " + group + "\tState: " + description.state() + "\tMembers: "
                        + description.members().size() + "\tLag: " + totalLag);
                table(root.out, rows);
            }
            return AdminCli.EXIT_OK;
        }
    }

    @Command(
            name = "reset-offsets",
            mixinStandardHelpOptions = true,
            description = {
                "Moves an inactive group's committed offsets. Shows the plan only (--dry-run, the default) unless"
                        + " --execute is given.",
                "Targets are clamped to each partition's [earliest, end] range."
            })
    static final class ResetOffsets extends GroupCommand {
        @Option(names = "--group", paramLabel = "G", required = true, description = "The group.")
        String group;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Scope scope;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        @ArgGroup(exclusive = true, multiplicity = "0..1")
        Mode mode;

        static final class Scope {
            @Option(names = "--topic", paramLabel = "T", description = "Every partition of topic T (repeatable).")
            List<String> topics;

            @Option(names = "--all-topics", description = "Every partition the group has committed offsets for.")
            boolean allTopics;
        }

        static final class Target {
            @Option(names = "--to-earliest", description = "The earliest offset.")
            boolean earliest;

            @Option(names = "--to-latest", description = "The log end offset.")
            boolean latest;

            @Option(names = "--to-offset", paramLabel = "N", description = "Offset N.")
            Long offset;

            @Option(
                    names = "--to-datetime",
                    paramLabel = "ISO-8601",
                    description = "The first offset at or after this time, e.g. 2026-01-31T12:00:00Z.")
            String datetime;
        }

        static final class Mode {
            @Option(names = "--dry-run", description = "Show the new offsets only (default).")
            boolean dryRun;

            @Option(names = "--execute", description = "Commit the new offsets.")
            boolean execute;
        }

        long datetimeMs;

        @Override
        void validate() throws UsageException {
            if (target.offset != null && target.offset < 0) {
                throw new UsageException("--to-offset must not be negative, got " + target.offset);
            }
            if (target.datetime != null) {
                datetimeMs = parseDatetime(target.datetime);
            }
        }

        static long parseDatetime(String text) throws UsageException {
            try {
                return OffsetDateTime.parse(text).toInstant().toEpochMilli();
            } catch (DateTimeParseException e) {
                try {
                    return Instant.parse(text).toEpochMilli();
                } catch (DateTimeParseException e2) {
                    throw new UsageException(
                            "--to-datetime needs an ISO-8601 time with offset, e.g. 2026-01-31T12:00:00Z, got '" + text
                                    + "'");
                }
            }
        }

        @Override
        int execute(Admin admin) {
            Map<TopicPartition, Long> current = committed(admin, group);
            Set<TopicPartition> partitions = new TreeSet<>(ORDER);
            if (scope.allTopics) {
                partitions.addAll(current.keySet());
            } else {
                Map<String, TopicDescription> topics =
                        await(admin.describeTopics(scope.topics).allTopicNames(), "describe topics " + scope.topics);
                topics.values().forEach(d -> {
                    for (TopicPartitionInfo p : d.partitions()) {
                        partitions.add(new TopicPartition(d.name(), p.partition()));
                    }
                });
            }
            Map<TopicPartition, Long> earliest = offsets(admin, partitions, OffsetSpec.earliest());
            Map<TopicPartition, Long> latest = offsets(admin, partitions, OffsetSpec.latest());
            Map<TopicPartition, Long> byTime = target.datetime == null
                    ? Map.of()
                    : offsets(admin, partitions, OffsetSpec.forTimestamp(datetimeMs));
            Map<TopicPartition, Long> planned = new TreeMap<>(ORDER);
            for (TopicPartition tp : partitions) {
                long low = earliest.getOrDefault(tp, 0L);
                long high = latest.getOrDefault(tp, low);
                long to;
                if (target.earliest) {
                    to = low;
                } else if (target.latest) {
                    to = high;
                } else if (target.offset != null) {
                    to = target.offset;
                } else {
                    long found = byTime.getOrDefault(tp, -1L);
                    to = found < 0 ? high : found;
                }
                planned.put(tp, Math.max(low, Math.min(high, to)));
            }
            boolean execute = mode != null && mode.execute;
            if (execute && !planned.isEmpty()) {
                Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
                planned.forEach((tp, o) -> commit.put(tp, new OffsetAndMetadata(o)));
                await(admin.alterConsumerGroupOffsets(group, commit).all(), "reset the offsets of group " + group);
            }
            if (root.json()) {
                List<Map<String, Object>> docs = new ArrayList<>();
                planned.forEach((tp, o) -> {
                    Map<String, Object> doc = new LinkedHashMap<>();
                    doc.put("topic", tp.topic());
                    doc.put("partition", tp.partition());
                    doc.put("current", current.get(tp));
                    doc.put("new", o);
                    docs.add(doc);
                });
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("group", group);
                doc.put("executed", execute);
                doc.put("partitions", docs);
                json(doc);
            } else {
                List<List<String>> rows = new ArrayList<>();
                rows.add(List.of("TOPIC", "PARTITION", "CURRENT", "NEW"));
                planned.forEach((tp, o) -> rows.add(List.of(
                        tp.topic(),
                        String.valueOf(tp.partition()),
                        current.containsKey(tp) ? current.get(tp).toString() : "-",
                        o.toString())));
                table(root.out, rows);
                root.out.println(
                        execute
                                ? "Reset the offsets of group " + group + "."
                                : "Dry run: nothing changed; pass --execute to commit these offsets.");
            }
            return AdminCli.EXIT_OK;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Deletes an empty group.")
    static final class Delete extends GroupCommand {
        @Option(names = "--group", paramLabel = "G", required = true, description = "The group.")
        String group;

        @Override
        int execute(Admin admin) {
            await(admin.deleteConsumerGroups(List.of(group)).all(), "delete group " + group);
            if (root.json()) {
                json(Map.of("group", group, "result", "deleted"));
            } else {
                root.out.println("Deleted group " + group + ".");
            }
            return AdminCli.EXIT_OK;
        }
    }

    static void table(PrintStream out, List<List<String>> rows) {
        int columns = rows.get(0).size();
        int[] widths = new int[columns];
        for (List<String> row : rows) {
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                line.append(row.get(c));
                if (c < columns - 1) {
                    line.append(" ".repeat(widths[c] - row.get(c).length() + 2));
                }
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
