package io.sluice.chaos.net;

/**
 * One proxied link of a cluster.
 *
 * @param kind what the link carries
 * @param from the connecting broker ({@code 0} for the clients)
 * @param to the listening broker ({@code 0} for ZooKeeper)
 */
public record Link(Kind kind, int from, int to) {

    /** What a link carries. */
    public enum Kind {
        /** Clients (producers, consumers, admin) to a broker's client listener. */
        CLIENT,
        /** Broker {@code from} to broker {@code to}'s listener for it (fetches, controller requests). */
        PEER,
        /** Broker {@code from} to ZooKeeper. */
        ZK
    }

    /** Whether the link touches broker {@code id}. */
    public boolean touches(int id) {
        return from == id || to == id;
    }

    /** A broker's connection to its own listener: never faulted. */
    public boolean self() {
        return kind == Kind.PEER && from == to;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case CLIENT -> "clients->b" + to;
            case PEER -> "b" + from + "->b" + to;
            case ZK -> "b" + from + "->zk";
        };
    }
}
