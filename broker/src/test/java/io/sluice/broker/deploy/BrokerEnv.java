package io.sluice.broker.deploy;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The image's environment-to-properties rule ({@code deploy/docker/entrypoint.sh}) restated for the checks: {@code
 * SLUICE_CFG_<NAME>} becomes {@code name} lower-cased with '_' → '.'; the deprecated {@code SLUICE_<NAME>} is read the
 * same way unless it is a launcher variable (their list is read from the script, so the two cannot drift apart) or a
 * Kubernetes service-link variable, and {@code SLUICE_CFG_} wins; {@code log.dirs} defaults to {@code
 * /var/lib/sluice/data}.
 */
final class BrokerEnv {
    static final String DEFAULT_LOG_DIRS = "/var/lib/sluice/data";
    static final String CFG_PREFIX = "SLUICE_CFG_";
    private static final Pattern LAUNCHER_VARS = Pattern.compile("(?m)^LAUNCHER_VARS=\"([^\"]*)\"");
    private static final Pattern SERVICE_LINK = Pattern.compile(
            ".*(_SERVICE_HOST|_SERVICE_PORT(_[A-Z0-9_]+)?|_PORT_[0-9]+_(TCP|UDP|SCTP)(_PROTO|_PORT|_ADDR)?)");
    private static final Pattern SERVICE_LINK_URL = Pattern.compile("(tcp|udp|sctp)://.*");

    private BrokerEnv() {}

    static Set<String> launcherVariables() {
        Matcher m = LAUNCHER_VARS.matcher(RepoFiles.read("deploy/docker/entrypoint.sh"));
        if (!m.find()) {
            throw new IllegalStateException("entrypoint.sh has no LAUNCHER_VARS line");
        }
        return Arrays.stream(m.group(1).trim().split("\\s+")).collect(Collectors.toSet());
    }

    static Map<String, String> toProperties(Map<String, String> env) {
        Set<String> launcher = launcherVariables();
        Map<String, String> props = new TreeMap<>();
        new TreeMap<>(env).forEach((name, value) -> {
            if (name.startsWith("SLUICE_")
                    && !name.startsWith(CFG_PREFIX)
                    && !launcher.contains(name)
                    && !isServiceLink(name, value)) {
                props.put(key(name.substring("SLUICE_".length())), value);
            }
        });
        env.forEach((name, value) -> {
            if (name.startsWith(CFG_PREFIX)) {
                props.put(key(name.substring(CFG_PREFIX.length())), value);
            }
        });
        if (!props.containsKey("log.dirs") && !props.containsKey("log.dir")) {
            props.put("log.dirs", DEFAULT_LOG_DIRS);
        }
        return props;
    }

    static boolean isServiceLink(String name, String value) {
        return SERVICE_LINK.matcher(name).matches()
                || (name.endsWith("_PORT") && SERVICE_LINK_URL.matcher(value).matches());
    }

    private static String key(String rest) {
        return rest.toLowerCase(Locale.ROOT).replace('_', '.');
    }
}
