package io.sluice.broker.it;

import io.sluice.broker.server.BrokerMain;
import io.sluice.replication.partition.UnsafeTestSwitches;
import io.sluice.replication.partition.UnsafeTestSwitches.Switch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * <strong>Tests only: a broker with deliberately broken replication.</strong> Turns on the {@link UnsafeTestSwitches}
 * named in {@code --unsafe=a,b} arguments (removed before the rest goes to {@link BrokerMain}) or in the environment
 * variable {@value #ENV}, then runs {@link BrokerMain#main}. It lives in the broker's test sources and is never
 * packaged, so no configuration of a released broker can reach the switches; the chaos suite's bite tests start it
 * through {@code bin/sluice-broker} with {@code SLUICE_BROKER_MAIN=io.sluice.broker.it.UnsafeBrokerMain} and
 * {@code SLUICE_CLASSPATH=broker/target/test-classes}.
 */
public final class UnsafeBrokerMain {
    /** The environment variable naming the switches, comma-separated ({@code truncate-to-hw,...}). */
    public static final String ENV = "SLUICE_UNSAFE_SWITCHES";

    private static final String ARG = "--unsafe=";

    private UnsafeBrokerMain() {}

    public static void main(String[] args) {
        List<String> rest = new ArrayList<>();
        List<String> names = new ArrayList<>();
        String fromEnv = System.getenv(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            names.addAll(Arrays.asList(fromEnv.split(",")));
        }
        for (String a : args) {
            if (a.startsWith(ARG)) {
                names.addAll(Arrays.asList(a.substring(ARG.length()).split(",")));
            } else {
                rest.add(a);
            }
        }
        for (String name : names) {
            if (name.isBlank()) {
                continue;
            }
            Optional<Switch> s = Switch.byName(name);
            if (s.isEmpty()) {
                System.err.println("sluice: unknown unsafe switch '" + name.trim() + "'; known: "
                        + Arrays.stream(Switch.values())
                                .map(Switch::externalName)
                                .toList());
                System.exit(2);
            }
            UnsafeTestSwitches.enable(s.get(), true);
        }
        BrokerMain.main(rest.toArray(String[]::new));
    }
}
