package io.sluice.chaos.net;

/**
 * What a {@link TcpProxy} does to the traffic of its link. "Up" is the direction from the connecting side (a client,
 * a peer broker, a broker talking to ZooKeeper) to the listening side; "down" is the answer.
 *
 * @param dropUp discard every byte sent towards the listening side
 * @param dropDown discard every byte sent back
 * @param latencyMs added one-way delay, in each direction, of every chunk forwarded
 */
public record LinkRule(boolean dropUp, boolean dropDown, long latencyMs) {
    /** Traffic passes unchanged. */
    public static final LinkRule OPEN = new LinkRule(false, false, 0);
    /** Nothing passes in either direction: a network partition. */
    public static final LinkRule CUT = new LinkRule(true, true, 0);

    public LinkRule {
        if (latencyMs < 0) {
            throw new IllegalArgumentException("latencyMs must be >= 0, got " + latencyMs);
        }
    }

    public static LinkRule latency(long ms) {
        return new LinkRule(false, false, ms);
    }

    /** Drops one direction only. */
    public static LinkRule oneWay(boolean up) {
        return new LinkRule(up, !up, 0);
    }

    public boolean drops() {
        return dropUp || dropDown;
    }

    public boolean cut() {
        return dropUp && dropDown;
    }
}
