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
 * SLUICE_<NAME>} becomes {@code name} lower-cased with '_' → '.', launcher variables excepted (their list is read
 * from the script, so the two cannot drift apart), and {@code log.dirs} defaults to {@code /var/lib/sluice/data}.
 */
final class BrokerEnv {
    static final String DEFAULT_LOG_DIRS = "/var/lib/sluice/data";
    private static final Pattern LAUNCHER_VARS = Pattern.compile("(?m)^LAUNCHER_VARS=\"([^\"]*)\"");

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
        env.forEach((name, value) -> {
            if (name.startsWith("SLUICE_") && !launcher.contains(name)) {
                props.put(
                        name.substring("SLUICE_".length())
                                .toLowerCase(Locale.ROOT)
                                .replace('_', '.'),
                        value);
            }
        });
        if (!props.containsKey("log.dirs") && !props.containsKey("log.dir")) {
            props.put("log.dirs", DEFAULT_LOG_DIRS);
        }
        return props;
    }
}
