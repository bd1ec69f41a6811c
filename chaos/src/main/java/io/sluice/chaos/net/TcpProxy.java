package io.sluice.chaos.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fault-injecting TCP proxy on 127.0.0.1: accepts connections on its own port and forwards each to an upstream port,
 * applying the current {@link LinkRule} (drop one or both directions, add latency). Needs no privileges.
 *
 * <p>A cut link keeps its connections open but silent, as a real partition does: the peers notice through their own
 * timeouts. Connections accepted while both directions are dropped are held without an upstream connection. When a
 * rule that dropped traffic is replaced by one that drops nothing, every connection that lived under the dropping rule
 * is closed (its byte streams have holes), so the peers reconnect on a clean stream.
 *
 * <p>Lifecycle: {@link #start} once, {@link #close} any number of times. Concurrency: one acceptor thread, and per
 * connection one reader and one writer thread per direction (a writer delays chunks by the latency without reordering
 * them); {@link #setRule} may be called from any thread and takes effect for the next chunk read.
 */
public final class TcpProxy implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TcpProxy.class);
    private static final int CHUNK = 64 * 1024;

    private final String name;
    private final int upstreamPort;
    private final ServerSocket server;
    private final ExecutorService threads;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicInteger connectionIds = new AtomicInteger();
    private volatile LinkRule rule = LinkRule.OPEN;

    /**
     * Binds 127.0.0.1:{@code listenPort} (0 for any free port).
     *
     * @param name the link's name in logs (e.g. {@code b1->b2})
     */
    public TcpProxy(String name, int listenPort, int upstreamPort) throws IOException {
        this.name = name;
        this.upstreamPort = upstreamPort;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort), 128);
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "proxy-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    public String name() {
        return name;
    }

    /** The port this proxy listens on. */
    public int port() {
        return server.getLocalPort();
    }

    public int upstreamPort() {
        return upstreamPort;
    }

    public LinkRule rule() {
        return rule;
    }

    /** Number of connections currently open through this proxy. */
    public int connectionCount() {
        return connections.size();
    }

    public TcpProxy start() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("proxy " + name + " already started");
        }
        threads.execute(this::acceptLoop);
        return this;
    }

    /** Applies {@code next} to all traffic from now on; see the class comment for what a heal does. */
    public void setRule(LinkRule next) {
        LinkRule previous;
        synchronized (this) {
            previous = rule;
            rule = next;
        }
        if (!previous.equals(next)) {
            log.info("[proxy {}] rule {} -> {}", name, previous, next);
        }
        if (!next.drops()) {
            for (Connection c : connections) {
                if (c.tainted) {
                    c.close();
                }
            }
        } else {
            for (Connection c : connections) {
                c.tainted = true;
            }
        }
    }

    /** Closes every open connection (the peers see a reset stream and reconnect). */
    public void closeConnections() {
        for (Connection c : connections) {
            c.close();
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            server.close();
        } catch (IOException e) {
            log.debug("[proxy {}] closing the server socket", name, e);
        }
        closeConnections();
        threads.shutdownNow();
    }

    private void acceptLoop() {
        while (!closed.get()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (!closed.get()) {
                    log.warn("[proxy {}] accept failed", name, e);
                }
                return;
            }
            Connection c = new Connection(connectionIds.incrementAndGet(), client);
            connections.add(c);
            try {
                threads.execute(c::open);
            } catch (RuntimeException e) {
                c.close();
            }
        }
    }

    private record Chunk(long dueNanos, byte[] bytes) {}

    /** One proxied connection; its sockets are closed at most once. */
    private final class Connection {
        private final int id;
        private final Socket client;
        private volatile Socket upstream;
        private volatile boolean tainted;
        private final AtomicBoolean done = new AtomicBoolean();

        Connection(int id, Socket client) {
            this.id = id;
            this.client = client;
        }

        void open() {
            try {
                client.setTcpNoDelay(true);
                // Held without an upstream while the link is cut: the connect appears to succeed, nothing answers.
                while (rule.cut() && !done.get()) {
                    tainted = true;
                    drainDiscard();
                }
                if (done.get()) {
                    return;
                }
                Socket up = new Socket();
                up.setTcpNoDelay(true);
                up.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort), 5_000);
                if (up.getLocalPort() == upstreamPort) {
                    // TCP self-connect: with nothing listening upstream, the kernel may pick the upstream port as
                    // this socket's own ephemeral port and connect it to itself. That is a down upstream, not a
                    // connection: held open it would keep the client waiting instead of refused.
                    up.close();
                    throw new java.net.ConnectException(
                            "upstream port " + upstreamPort + " has no listener (the connect reached itself)");
                }
                upstream = up;
                if (done.get()) {
                    up.close();
                    return;
                }
                startDirection(true, client.getInputStream(), up.getOutputStream());
                startDirection(false, up.getInputStream(), client.getOutputStream());
            } catch (IOException e) {
                log.debug("[proxy {}#{}] connection ended: {}", name, id, e.toString());
                close();
            }
        }

        /** Reads and discards what the client sends while the link is cut (bounded wait, then re-checks the rule). */
        private void drainDiscard() throws IOException {
            client.setSoTimeout(200);
            byte[] buf = new byte[CHUNK];
            try {
                if (client.getInputStream().read(buf) < 0) {
                    close();
                }
            } catch (java.net.SocketTimeoutException timeout) {
                // re-check the rule
            } finally {
                if (!done.get()) {
                    client.setSoTimeout(0);
                }
            }
        }

        private void startDirection(boolean up, InputStream in, OutputStream out) {
            LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
            threads.execute(() -> write(queue, out));
            threads.execute(() -> read(up, in, queue));
        }

        private void read(boolean up, InputStream in, LinkedBlockingQueue<Chunk> queue) {
            byte[] buf = new byte[CHUNK];
            try {
                while (!done.get()) {
                    int n = in.read(buf);
                    if (n < 0) {
                        break;
                    }
                    LinkRule r = rule;
                    if (up ? r.dropUp() : r.dropDown()) {
                        tainted = true;
                        continue;
                    }
                    queue.put(new Chunk(
                            System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(r.latencyMs()), Arrays.copyOf(buf, n)));
                }
            } catch (IOException | InterruptedException e) {
                log.debug("[proxy {}#{}] reader ended: {}", name, id, e.toString());
            }
            // Let the writer flush what it has, then end the connection.
            queue.offer(new Chunk(0, null));
        }

        private void write(LinkedBlockingQueue<Chunk> queue, OutputStream out) {
            try {
                while (!done.get()) {
                    Chunk chunk = queue.take();
                    if (chunk.bytes() == null) {
                        break;
                    }
                    long wait = chunk.dueNanos() - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    out.write(chunk.bytes());
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                log.debug("[proxy {}#{}] writer ended: {}", name, id, e.toString());
            }
            close();
        }

        void close() {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            connections.remove(this);
            closeQuietly(client);
            Socket up = upstream;
            if (up != null) {
                closeQuietly(up);
            }
        }

        private void closeQuietly(Socket s) {
            try {
                s.close();
            } catch (IOException e) {
                if (!(e instanceof SocketException)) {
                    log.debug("[proxy {}#{}] close", name, id, e);
                }
            }
        }
    }
}
