package io.sluice.broker.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sluice.broker.tools.ClusterAdmin.BrokerView;
import io.sluice.broker.tools.ClusterAdmin.ClusterView;
import io.sluice.broker.tools.ClusterAdmin.PartitionView;
import io.sluice.broker.tools.ClusterAdmin.TopicView;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;

/**
 * Renders command results either as aligned text tables for people or, with {@code --json}, as one JSON document per
 * command for scripts. The JSON field names are part of the tool's contract (documented in the README).
 *
 * <p>Not thread-safe; owned by the CLI's thread.
 */
final class AdminOutput {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final PrintStream out;
    private final boolean json;

    AdminOutput(PrintStream out, boolean json) {
        this.out = out;
        this.json = json;
    }

    void topicList(List<String> topics) {
        if (json) {
            print(Map.of("topics", topics));
        } else {
            topics.forEach(out::println);
        }
    }

    void topicDescriptions(List<TopicView> topics, boolean underReplicatedOnly) {
        if (json) {
            List<Map<String, Object>> docs = new ArrayList<>();
            for (TopicView t : topics) {
                List<PartitionView> partitions = selected(t, underReplicatedOnly);
                if (underReplicatedOnly && partitions.isEmpty()) {
                    continue;
                }
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("name", t.name());
                doc.put("topicId", t.topicId());
                doc.put("internal", t.internal());
                doc.put("partitionCount", t.partitions().size());
                doc.put("replicationFactor", t.replicationFactor());
                doc.put("configs", t.configs());
                List<Map<String, Object>> parts = new ArrayList<>();
                for (PartitionView p : partitions) {
                    Map<String, Object> pd = new LinkedHashMap<>();
                    pd.put("partition", p.partition());
                    pd.put("leader", p.leader());
                    pd.put("replicas", p.replicas());
                    pd.put("isr", p.isr());
                    pd.put("offline", p.offline());
                    pd.put("underReplicated", p.underReplicated());
                    parts.add(pd);
                }
                doc.put("partitions", parts);
                docs.add(doc);
            }
            print(Map.of("topics", docs));
            return;
        }
        for (TopicView t : topics) {
            List<PartitionView> partitions = selected(t, underReplicatedOnly);
            if (underReplicatedOnly && partitions.isEmpty()) {
                continue;
            }
            String configs = t.configs().isEmpty()
                    ? "-"
                    : t.configs().entrySet().stream()
                            .map(e -> e.getKey() + "=" + e.getValue())
                            .collect(Collectors.joining(","));
            out.printf(
                    "Topic: %s\tTopicId: %s\tPartitionCount: %d\tReplicationFactor: %d\tConfigs: %s%n",
                    t.name(), t.topicId(), t.partitions().size(), t.replicationFactor(), configs);
            List<List<String>> rows = new ArrayList<>();
            rows.add(List.of("PARTITION", "LEADER", "REPLICAS", "ISR", "OFFLINE", ""));
            for (PartitionView p : partitions) {
                rows.add(List.of(
                        String.valueOf(p.partition()),
                        p.leader() < 0 ? "none" : String.valueOf(p.leader()),
                        join(p.replicas()),
                        join(p.isr()),
                        p.offline().isEmpty() ? "-" : join(p.offline()),
                        p.underReplicated() ? "under-replicated" : ""));
            }
            table(rows, "  ");
        }
    }

    void brokers(ClusterView cluster) {
        if (json) {
            List<Map<String, Object>> brokers = new ArrayList<>();
            for (BrokerView b : cluster.brokers()) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("id", b.id());
                doc.put("host", b.host());
                doc.put("port", b.port());
                doc.put("rack", b.rack());
                doc.put("controller", b.id() == cluster.controllerId());
                brokers.add(doc);
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("clusterId", cluster.clusterId());
            doc.put("controller", cluster.controllerId());
            doc.put("brokers", brokers);
            print(doc);
            return;
        }
        out.println("Cluster: " + cluster.clusterId());
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("ID", "HOST:PORT", "RACK", ""));
        for (BrokerView b : cluster.brokers()) {
            rows.add(List.of(
                    String.valueOf(b.id()),
                    b.host() + ":" + b.port(),
                    b.rack() == null ? "-" : b.rack(),
                    b.id() == cluster.controllerId() ? "controller" : ""));
        }
        table(rows, "");
    }

    void controller(int controllerId, OptionalInt epoch, boolean zookeeperGiven) {
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("controller", controllerId);
            doc.put("epoch", epoch.isPresent() ? epoch.getAsInt() : null);
            print(doc);
            return;
        }
        String id = controllerId < 0 ? "none" : String.valueOf(controllerId);
        if (epoch.isPresent()) {
            out.println("Controller: " + id + " (epoch " + epoch.getAsInt() + ")");
        } else if (zookeeperGiven) {
            out.println("Controller: " + id + " (no controller epoch in ZooKeeper yet)");
        } else {
            out.println("Controller: " + id + " (pass --zookeeper HOST:PORT to show the epoch)");
        }
    }

    void elections(Map<TopicPartition, Optional<String>> results) {
        if (json) {
            List<Map<String, Object>> docs = new ArrayList<>();
            results.forEach((tp, error) -> {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("topic", tp.topic());
                doc.put("partition", tp.partition());
                doc.put("result", error.isPresent() ? "failed" : "ok");
                doc.put("error", error.orElse(null));
                docs.add(doc);
            });
            print(Map.of("partitions", docs));
            return;
        }
        if (results.isEmpty()) {
            out.println("No partitions needed an election.");
        }
        results.forEach((tp, error) ->
                out.println(tp + ": " + error.map(e -> "failed: " + e).orElse("on its preferred leader")));
    }

    /** The success line of create / alter / delete. */
    void done(String topic, String result, String text) {
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("topic", topic);
            doc.put("result", result);
            print(doc);
        } else {
            out.println(text);
        }
    }

    /** A command's whole result as one JSON document (for commands that build their own). */
    void document(Map<String, Object> doc) {
        print(doc);
    }

    private static List<PartitionView> selected(TopicView t, boolean underReplicatedOnly) {
        return underReplicatedOnly
                ? t.partitions().stream().filter(PartitionView::underReplicated).toList()
                : t.partitions();
    }

    private static String join(List<Integer> ids) {
        return ids.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    private void table(List<List<String>> rows, String indent) {
        int columns = rows.get(0).size();
        int[] widths = new int[columns];
        for (List<String> row : rows) {
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder(indent);
            for (int c = 0; c < columns; c++) {
                line.append(row.get(c));
                if (c < columns - 1) {
                    line.append(" ".repeat(widths[c] - row.get(c).length() + 2));
                }
            }
            out.println(line.toString().stripTrailing());
        }
    }

    private void print(Object doc) {
        try {
            out.println(JSON.writeValueAsString(doc));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
