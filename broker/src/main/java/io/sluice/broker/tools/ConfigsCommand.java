package io.sluice.broker.tools;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code sluice-admin configs describe|alter}: topic, broker and cluster-wide broker-default configs through
 * DescribeConfigs and IncrementalAlterConfigs.
 *
 * <p>Single-threaded.
 */
@Command(
        name = "configs",
        mixinStandardHelpOptions = true,
        description = "Topic and broker configs: describe, alter.",
        subcommands = {ConfigsCommand.Describe.class, ConfigsCommand.Alter.class})
final class ConfigsCommand implements Runnable {
    @Mixin
    AdminCli.GlobalOptions globals;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "'configs' needs one of: describe, alter");
    }

    /** Exactly one resource. */
    static final class Entity {
        @Option(names = "--topic", paramLabel = "T", description = "Topic T.")
        String topic;

        @Option(names = "--broker", paramLabel = "N", description = "Broker N.")
        Integer broker;

        @Option(names = "--broker-defaults", description = "The cluster-wide broker defaults.")
        boolean brokerDefaults;

        ConfigResource resource() {
            if (topic != null) {
                return new ConfigResource(ConfigResource.Type.TOPIC, topic);
            }
            return new ConfigResource(ConfigResource.Type.BROKER, brokerDefaults ? "" : String.valueOf(broker));
        }

        String label() {
            return topic != null ? "topic " + topic : brokerDefaults ? "broker defaults" : "broker " + broker;
        }
    }

    @Command(
            name = "describe",
            mixinStandardHelpOptions = true,
            description = "Configs that differ from the defaults (all of them with --all), with their source.")
    static final class Describe extends GroupsCommand.GroupCommand {
        @ArgGroup(exclusive = true, multiplicity = "1")
        Entity entity;

        @Option(names = "--all", description = "Also the configs at their default.")
        boolean all;

        @Override
        int execute(Admin admin) {
            ConfigResource resource = entity.resource();
            Map<ConfigResource, Config> described =
                    await(admin.describeConfigs(List.of(resource)).all(), "describe the configs of " + entity.label());
            List<ConfigEntry> entries = new ArrayList<>();
            Config config = described.get(resource);
            if (config != null) {
                config.entries().stream()
                        .filter(e -> all || e.source() != ConfigEntry.ConfigSource.DEFAULT_CONFIG)
                        .sorted(Comparator.comparing(ConfigEntry::name))
                        .forEach(entries::add);
            }
            if (root.json()) {
                List<Map<String, Object>> docs = new ArrayList<>();
                for (ConfigEntry e : entries) {
                    Map<String, Object> doc = new LinkedHashMap<>();
                    doc.put("name", e.name());
                    doc.put("value", e.isSensitive() ? null : e.value());
                    doc.put("source", e.source().name());
                    doc.put("readOnly", e.isReadOnly());
                    doc.put("sensitive", e.isSensitive());
                    docs.add(doc);
                }
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("resource", resource.type().name().toLowerCase(java.util.Locale.ROOT));
                doc.put("name", resource.name());
                doc.put("configs", docs);
                json(doc);
            } else {
                List<List<String>> rows = new ArrayList<>();
                rows.add(List.of("NAME", "VALUE", "SOURCE"));
                for (ConfigEntry e : entries) {
                    rows.add(List.of(
                            e.name(),
                            e.isSensitive() ? "(sensitive)" : String.valueOf(e.value()),
                            e.source().name()));
                }
                root.out.println("Configs of " + entity.label() + ":");
                GroupsCommand.table(root.out, rows);
            }
            return AdminCli.EXIT_OK;
        }
    }

    @Command(
            name = "alter",
            mixinStandardHelpOptions = true,
            description = "Sets and deletes dynamic configs in one incremental change.")
    static final class Alter extends GroupsCommand.GroupCommand {
        @ArgGroup(exclusive = true, multiplicity = "1")
        Entity entity;

        @Option(names = "--set", paramLabel = "K=V", description = "Set a config (repeatable).")
        List<String> set = List.of();

        @Option(names = "--delete", paramLabel = "K", description = "Remove a dynamic config (repeatable).")
        List<String> delete = List.of();

        private Map<String, String> toSet;

        @Override
        void validate() throws UsageException {
            toSet = AdminCli.keyValues("--set", set);
            for (String key : delete) {
                if (toSet.containsKey(key)) {
                    throw new UsageException(key + " is both set and deleted");
                }
            }
            if (toSet.isEmpty() && delete.isEmpty()) {
                throw new UsageException("'configs alter' needs --set or --delete");
            }
        }

        @Override
        int execute(Admin admin) {
            List<AlterConfigOp> ops = new ArrayList<>();
            toSet.forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
            delete.forEach(k -> ops.add(new AlterConfigOp(new ConfigEntry(k, null), AlterConfigOp.OpType.DELETE)));
            await(
                    admin.incrementalAlterConfigs(Map.of(entity.resource(), ops))
                            .all(),
                    "alter the configs of " + entity.label());
            if (root.json()) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("resource", entity.label());
                doc.put("set", toSet);
                doc.put("deleted", delete);
                json(doc);
            } else {
                StringBuilder what = new StringBuilder("Altered the configs of " + entity.label() + ":");
                toSet.forEach(
                        (k, v) -> what.append(" set ").append(k).append('=').append(v));
                delete.forEach(k -> what.append(" deleted ").append(k));
                root.out.println(what.append('.'));
            }
            return AdminCli.EXIT_OK;
        }
    }
}
