package io.sluice.broker.tools;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A parsed command line: positional words, and {@code --name value} / {@code --name=value} options (repeatable) and
 * {@code --flag} switches, which may appear anywhere. {@code --} ends the options.
 *
 * <p>Immutable after {@link #parse}; not shared between threads.
 */
final class CliArgs {
    private final List<String> positionals;
    private final Map<String, List<String>> options;

    private CliArgs(List<String> positionals, Map<String, List<String>> options) {
        this.positionals = List.copyOf(positionals);
        this.options = options;
    }

    /**
     * Parses {@code args}.
     *
     * @param valued names (without {@code --}) of options that take a value
     * @param flags names of switches without a value
     * @throws UsageException for an unknown option or an option missing its value
     */
    static CliArgs parse(String[] args, Set<String> valued, Set<String> flags) throws UsageException {
        List<String> positionals = new ArrayList<>();
        Map<String, List<String>> options = new LinkedHashMap<>();
        boolean optionsEnded = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (optionsEnded || !arg.startsWith("--")) {
                positionals.add(arg);
                continue;
            }
            if (arg.equals("--")) {
                optionsEnded = true;
                continue;
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flags.contains(name)) {
                if (value != null) {
                    throw new UsageException("Option --" + name + " takes no value");
                }
                options.computeIfAbsent(name, n -> new ArrayList<>()).add("true");
            } else if (valued.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new UsageException("Option --" + name + " needs a value");
                    }
                    value = args[++i];
                }
                options.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
            } else {
                throw new UsageException("Unknown option --" + name);
            }
        }
        return new CliArgs(positionals, options);
    }

    List<String> positionals() {
        return positionals;
    }

    boolean has(String name) {
        return options.containsKey(name);
    }

    /** The single value of {@code name}; a repeated single-valued option is a usage error. */
    Optional<String> value(String name) throws UsageException {
        List<String> values = options.get(name);
        if (values == null) {
            return Optional.empty();
        }
        if (values.size() > 1) {
            throw new UsageException("Option --" + name + " given more than once");
        }
        return Optional.of(values.get(0));
    }

    String required(String name) throws UsageException {
        return value(name).orElseThrow(() -> new UsageException("Missing required option --" + name));
    }

    Optional<Integer> intValue(String name) throws UsageException {
        Optional<String> raw = value(name);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(raw.get().trim()));
        } catch (NumberFormatException e) {
            throw new UsageException("Option --" + name + " needs an integer, got '" + raw.get() + "'");
        }
    }

    List<String> values(String name) {
        return options.getOrDefault(name, List.of());
    }

    /** {@code k=v} values of a repeatable option, in order; a repeated key is a usage error. */
    Map<String, String> keyValues(String name) throws UsageException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String kv : values(name)) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("Option --" + name + " needs key=value, got '" + kv + "'");
            }
            String key = kv.substring(0, eq).trim();
            if (out.put(key, kv.substring(eq + 1).trim()) != null) {
                throw new UsageException("Option --" + name + " sets " + key + " twice");
            }
        }
        return out;
    }

    /** Rejects options that the command does not take. */
    void allowOnly(String command, Collection<String> allowed) throws UsageException {
        for (String name : options.keySet()) {
            if (!allowed.contains(name)) {
                throw new UsageException("Option --" + name + " does not apply to '" + command + "'");
            }
        }
    }
}
