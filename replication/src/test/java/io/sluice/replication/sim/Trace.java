package io.sluice.replication.sim;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulation's event trace: a running 64-bit FNV-1a hash over every event (so two runs of one seed can be compared
 * cheaply) and the last {@link #KEEP} events for failure reports. Events must describe the simulation only in
 * deterministic terms (no paths, identity hashes or wall-clock times).
 *
 * <p>Concurrency: confined to the driver thread.
 */
final class Trace {
    private static final Logger LOG = LoggerFactory.getLogger(Trace.class);
    static final int KEEP = 80;
    /** With {@code -Dsluice.sim.trace=true} every event is also logged (for replaying one seed). */
    private final boolean echo = Boolean.getBoolean("sluice.sim.trace");

    private final Deque<String> recent = new ArrayDeque<>();
    private long hash = 0xcbf29ce484222325L;
    private long events;
    private int step;
    private long now;

    void at(int step, long now) {
        this.step = step;
        this.now = now;
    }

    void add(String event) {
        String line = "#" + step + " t=" + now + " " + event;
        for (int i = 0; i < line.length(); i++) {
            hash ^= line.charAt(i);
            hash *= 0x100000001b3L;
        }
        hash ^= '\n';
        hash *= 0x100000001b3L;
        events++;
        if (echo) {
            LOG.info("{}", line);
        }
        recent.addLast(line);
        if (recent.size() > KEEP) {
            recent.removeFirst();
        }
    }

    long hash() {
        return hash;
    }

    long events() {
        return events;
    }

    String recent() {
        return String.join("\n", recent);
    }
}
