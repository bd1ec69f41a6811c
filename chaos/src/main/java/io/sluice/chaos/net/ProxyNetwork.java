package io.sluice.chaos.net;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-link proxies of a cluster started by the harness: for each broker a proxy in front of its client listener,
 * one in front of its listener for each peer (peer {@code j} reaches broker {@code i} through its own proxy, so a
 * broker can be cut from one peer only), and one between it and ZooKeeper.
 *
 * <p>Concurrency: the proxy set is fixed after construction; rules may be changed from any thread.
 */
public final class ProxyNetwork implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProxyNetwork.class);

    private final Map<Link, TcpProxy> proxies;

    private ProxyNetwork(Map<Link, TcpProxy> proxies) {
        this.proxies = proxies;
    }

    /**
     * Starts the proxies on free ports.
     *
     * @param brokers broker ids
     * @param clientPorts per broker, the real port of its client listener
     * @param peerPorts per broker {@code i}, per connecting broker {@code j}, the real port of i's listener for j
     * @param zkPort the real ZooKeeper port
     */
    public static ProxyNetwork start(
            List<Integer> brokers,
            Map<Integer, Integer> clientPorts,
            Map<Integer, Map<Integer, Integer>> peerPorts,
            int zkPort)
            throws IOException {
        Map<Link, TcpProxy> proxies = new LinkedHashMap<>();
        try {
            for (int i : brokers) {
                add(proxies, new Link(Link.Kind.CLIENT, 0, i), clientPorts.get(i));
                add(proxies, new Link(Link.Kind.ZK, i, 0), zkPort);
                for (int j : brokers) {
                    add(
                            proxies,
                            new Link(Link.Kind.PEER, j, i),
                            peerPorts.get(i).get(j));
                }
            }
        } catch (IOException | RuntimeException e) {
            proxies.values().forEach(TcpProxy::close);
            throw e;
        }
        return new ProxyNetwork(proxies);
    }

    private static void add(Map<Link, TcpProxy> proxies, Link link, int upstream) throws IOException {
        proxies.put(link, new TcpProxy(link.toString(), 0, upstream).start());
    }

    /** The port clients and peers use for {@code link}. */
    public int port(Link link) {
        TcpProxy proxy = proxies.get(link);
        if (proxy == null) {
            throw new IllegalArgumentException("no proxy for " + link);
        }
        return proxy.port();
    }

    public List<Link> links() {
        return List.copyOf(proxies.keySet());
    }

    /** Sets {@code rule} on every link matching {@code which} (never on a broker's link to itself); returns them. */
    public List<Link> apply(LinkRule rule, Predicate<Link> which) {
        List<Link> changed = new ArrayList<>();
        proxies.forEach((link, proxy) -> {
            if (!link.self() && which.test(link)) {
                proxy.setRule(rule);
                changed.add(link);
            }
        });
        return changed;
    }

    /** Opens every link again. */
    public void healAll() {
        proxies.values().forEach(p -> p.setRule(LinkRule.OPEN));
    }

    /** Links whose rule is not {@link LinkRule#OPEN}. */
    public List<Link> faulted() {
        List<Link> out = new ArrayList<>();
        proxies.forEach((link, proxy) -> {
            if (!proxy.rule().equals(LinkRule.OPEN)) {
                out.add(link);
            }
        });
        return out;
    }

    @Override
    public void close() {
        log.info("stopping {} proxies", proxies.size());
        proxies.values().forEach(TcpProxy::close);
    }
}
